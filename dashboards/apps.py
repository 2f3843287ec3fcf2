from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("数据看板")

    def ready(self):
        from . import receivers, tasks  # noqa: F401 - the tasks register under their names (services send by name)

        receivers.connect()
