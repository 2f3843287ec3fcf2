"""How the dashboards follow the rest of the project without the other apps knowing about them.

- A compliance run that finishes (``compliance.signals.run_finished``) has its
  scope refreshed once the finish commits: the summary tables of its districts
  and dates, and the cached dashboards.
- A save or delete of a row a dashboard counts directly (findings and their
  status changes, complaints and their timeline, the institution registry,
  rule parameters, districts and schools, the statutory calendar) makes the
  cached dashboards it concerns out of date (``caching.figures_changed``): its
  district's and the city's when the row belongs to one district and cannot
  have moved, every dashboard otherwise (a complaint: only the complaints
  parts of the district and city dashboards); so does a bulk write of findings or
  notices (``compliance.signals.records_changed``, with its districts), which
  sends no model signal.
- A class or school deleted takes its class-day rows with it: its district's
  rows of those days are rebuilt in full after the deletion commits.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete

from compliance.signals import records_changed, run_finished

from .caching import COMPLAINTS, figures_changed

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


def _district_of(instance, *, created: bool, update_fields) -> int | None:
    """The one district whose figures this saved row changes, or ``None`` when it may concern others too (a row that
    may have moved district, a rerouted complaint, a registry or calendar row): then every dashboard is dropped."""
    label = instance._meta.label
    moved = not created and (
        update_fields is None or {"district", "institution", "finding", "complaint"} & set(update_fields)
    )
    if label in ("compliance.Finding", "complaints.Complaint"):
        return None if moved else instance.district_id
    if label == "compliance.FindingEvent":
        return instance.finding.district_id if created else None
    if label == "complaints.ComplaintEvent":
        from complaints.choices import EventKind

        return instance.complaint.district_id if created and instance.kind != EventKind.REROUTED else None
    if label in ("institutions.ListStatusChange", "institutions.Course"):
        return None if moved else instance.institution.district_id
    if label == "institutions.Prepayment":
        moved = moved or (update_fields is not None and "course" in update_fields)
        return None if moved else instance.course.institution.district_id
    return None


def counted_row_changed(sender, instance=None, created=False, update_fields=None, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    if instance is None:
        figures_changed()
        return
    district_id = _district_of(
        instance, created=created or kwargs.get("signal") is post_delete, update_fields=update_fields
    )
    # a complaint and its timeline change the complaints sections only (every district's, when it may have moved)
    if instance._meta.label in ("complaints.Complaint", "complaints.ComplaintEvent"):
        from schools.models import District

        ids = [district_id] if district_id is not None else list(District.objects.values_list("pk", flat=True))
        figures_changed(ids, topics=(COMPLAINTS,))
        return
    figures_changed(None if district_id is None else [district_id])


def rows_leaving(sender, instance, **kwargs) -> None:
    """A class or school about to be deleted takes its class-day and school-day rows with it (cascade), which a
    refresh of some schools cannot subtract any more: its district's rows of those days are rebuilt in full once
    the deletion commits."""
    from django.db.models import Max, Min

    from .models import ClassDayStat, SchoolDayStat
    from .services import stats_refresh_later

    if instance._meta.label == "schools.SchoolClass":
        spans = [ClassDayStat.objects.filter(school_class=instance)]
    else:
        spans = [ClassDayStat.objects.filter(school=instance), SchoolDayStat.objects.filter(school=instance)]
    span = [qs.aggregate(first=Min("date"), last=Max("date"), district=Max("district_id")) for qs in spans]
    span = [s for s in span if s["first"] is not None]
    if span:
        stats_refresh_later(
            district_ids=sorted({s["district"] for s in span}),
            date_from=min(s["first"] for s in span),
            date_to=max(s["last"] for s in span),
        )


def records_changed_receiver(sender, district_ids=None, **kwargs) -> None:
    figures_changed(district_ids)


def connect() -> None:
    run_finished.connect(refresh_after_run, dispatch_uid="dashboards_refresh_after_run")
    records_changed.connect(records_changed_receiver, dispatch_uid="dashboards_figures_bulk")
    for model in ("schools.SchoolClass", "schools.School"):
        pre_delete.connect(rows_leaving, sender=model, dispatch_uid=f"dashboards_rows_leaving_{model}")
    for model in COUNTED_MODELS:
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(counted_row_changed, sender=model, dispatch_uid=f"dashboards_figures_{model}_{name}")
