"""The Celery app, configured from Django settings (namespace ``CELERY_``).

Each domain app contributes its periodic tasks through a ``beat_schedule()``
function in its ``tasks`` module, so the schedule lives next to the task.
"""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")

app = Celery("shuangjian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _collect_beat_schedule(sender, **kwargs):
    from django.conf import settings

    schedule = {}
    for label in settings.INSTALLED_APPS:
        try:
            module = importlib.import_module(f"{label}.tasks")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "beat_schedule"):
            schedule.update(module.beat_schedule())
    sender.conf.beat_schedule = {**schedule, **(sender.conf.beat_schedule or {})}
