"""How the dashboards follow the rest of the project without the other apps knowing about them.

- A compliance run that finishes (``compliance.signals.run_finished``) has its
  scope refreshed once the finish commits: the summary tables of its districts
  and dates, and the cached dashboards.
- A save or delete of a row a dashboard counts directly (findings and their
  status changes, complaints and their timeline, the institution registry,
  rule parameters, districts and schools, the statutory calendar) makes every
  cached dashboard out of date (``caching.figures_changed``); so does a bulk
  write of findings or notices (``compliance.signals.records_changed``), which
  sends no model signal.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from compliance.signals import records_changed, run_finished

from .caching import figures_changed

logger = logging.getLogger(__name__)

#: the models whose rows the dashboard selectors count without a summary table
COUNTED_MODELS = (
    "compliance.Finding",
    "compliance.FindingEvent",
    "compliance.RuleParameter",
    "complaints.Complaint",
    "complaints.ComplaintEvent",
    "institutions.Institution",
    "institutions.ListStatusChange",
    "institutions.Course",
    "institutions.Prepayment",
    "schools.District",
    "schools.School",
    "schools.StatutoryYear",
    "schools.StatutoryDay",
)


def refresh_after_run(sender, run, **kwargs) -> None:
    from .tasks import refresh_after_run as task

    run_id = run.pk
    # robust: a broker that does not answer must not undo or fail the run; the nightly refresh catches up
    transaction.on_commit(lambda: task.delay(run_id), robust=True)


def counted_row_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    figures_changed()


def connect() -> None:
    run_finished.connect(refresh_after_run, dispatch_uid="dashboards_refresh_after_run")
    records_changed.connect(counted_row_changed, dispatch_uid="dashboards_figures_bulk")
    for model in COUNTED_MODELS:
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(counted_row_changed, sender=model, dispatch_uid=f"dashboards_figures_{model}_{name}")
