from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与角色")

    def ready(self):
        from . import signals  # connects the audit receivers

        signals.install_bulk_log_hook()
