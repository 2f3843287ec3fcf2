from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("合规检查")

    def ready(self):
        # Each domain app registers its rules from its own `rules` module,
        # the way apps register admin classes or system checks.
        autodiscover_modules("rules")
        # the tasks are registered in every process (web too): the services send them by name
        from . import tasks  # noqa: F401
