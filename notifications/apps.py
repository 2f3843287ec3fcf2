from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("消息通知")

    def ready(self):
        # the tasks are registered in every process (web too): the services send them by name
        from . import tasks  # noqa: F401
