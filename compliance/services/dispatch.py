"""Sending work to the workers: a run's start, its parts in batches, and the sends a broker outage held back.

The services never import the tasks modules (the tasks import the services):
a task is looked up by its registered name when it is sent (``task``), and
sent only once the transaction that asked for it has committed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..choices import RunState, RunTrigger
from ..models import ComplianceRun, ComplianceRunPart
from .runs import part_batches, run_create, run_refresh

logger = logging.getLogger(__name__)

RUN_START = "compliance.tasks.run_start"
RUN_PARTS = "compliance.tasks.run_parts"
SWEEP_PENDING_REQUESTS = "compliance.tasks.sweep_pending_requests"


def task(name: str):
    """The Celery task registered under ``name`` (``compliance.apps`` imports the tasks at start-up)."""
    from shuangjian.celery import app

    return app.tasks[name]


def celery_eager() -> bool:
    from shuangjian.celery import app

    return bool(app.conf.task_always_eager)


#: what a run records when its start could not be handed to the broker (``runs_send_unsent`` sends it again)
UNSENT = "任务队列暂不可用，恢复后一分钟内自动发送 / the task queue is unreachable: sent within a minute of its return"


def _send_run(run_id: int) -> bool:
    """Hand a run's start to the broker; if the broker is unreachable, record that on the run (still queued) and
    return False: the every-minute ``runs_send_unsent`` sends it again."""
    try:
        task(RUN_START).delay(run_id)
    except Exception as exc:  # noqa: BLE001 - a broker outage is recorded on the run, not raised at the user
        logger.error("compliance run %s could not be sent to the broker: %s", run_id, exc)
        ComplianceRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
            errors=[{"rule": "", "district": "", "error": f"{UNSENT} ({exc})"}]
        )
        return False
    return True


def run_enqueue(*, run: ComplianceRun) -> None:
    """Send the run to the workers once the current transaction commits (in eager mode: execute it then)."""
    run_id = run.pk

    def send():
        if celery_eager():
            try:
                task(RUN_START).apply(args=[run_id], throw=True)
            except Exception as exc:  # noqa: BLE001 - already recorded on the failed part
                logger.error("compliance run %s failed in-process: %s", run_id, exc)
            return
        _send_run(run_id)

    transaction.on_commit(send)


def runs_send_unsent() -> list[int]:
    """Send the runs whose start the broker did not take (it was down when they were created) again; every
    minute by beat, so such a run starts within a minute of the broker's return. Returns the runs sent.

    A queued run carries errors only when its start could not be sent (a part's error moves the run on to
    running or failed). The runs are claimed (``SKIP LOCKED``) and their error cleared in one transaction, so two
    beat ticks never send the same run twice; a send that fails again records the error again.
    """
    with transaction.atomic():
        ids = list(
            ComplianceRun.objects.select_for_update(skip_locked=True)
            .filter(state=RunState.QUEUED)
            .exclude(errors=[])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ComplianceRun.objects.filter(pk__in=ids).update(errors=[])
    return [run_id for run_id in ids if _send_run(run_id)]


def run_start(
    *,
    date_from: dt.date,
    date_to: dt.date,
    district_codes=None,
    rule_ids=None,
    school_ids=None,
    trigger: str = RunTrigger.API,
    started_by=None,
) -> ComplianceRun:
    """Create a run and send it to the workers once this transaction commits; returns at once."""
    with transaction.atomic():
        run = run_create(
            date_from=date_from,
            date_to=date_to,
            district_codes=district_codes,
            rule_ids=rule_ids,
            school_ids=school_ids,
            trigger=trigger,
            started_by=started_by,
        )
        run_enqueue(run=run)
    run.refresh_from_db()  # in eager mode it has run by now
    return run


def run_dispatch_parts(*, run_id: int) -> int:
    """Send the run's unfinished parts as tasks, a few rules' parts each (a redelivered start re-sends; a part
    runs at most once to completion)."""
    groups = part_batches(run_id)
    if not groups:
        run_refresh(run_id=run_id)
        return 0
    ComplianceRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now()
    )
    for part_ids in groups:
        task(RUN_PARTS).delay(part_ids)
    return len(groups)


def runs_resume_stalled(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> list[int]:
    """Send again the unfinished parts of runs that made no progress for a while.

    Covers what late acknowledgement cannot: a message lost with its broker, a
    part whose commit a database crash undid, or a killed worker's tasks still
    waiting for the broker's visibility timeout. A part sent twice runs once.
    """
    cutoff = timezone.now() - older_than
    recent = ComplianceRunPart.objects.filter(run=OuterRef("pk"), finished_at__gte=cutoff)
    stalled = list(
        ComplianceRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING], created_at__lt=cutoff)
        .exclude(Exists(recent))
        .values_list("id", flat=True)
    )
    for run_id in stalled:
        logger.warning(
            "compliance run %s made no progress since %s: sending its unfinished parts again", run_id, cutoff
        )
        run_dispatch_parts(run_id=run_id)
    return stalled
