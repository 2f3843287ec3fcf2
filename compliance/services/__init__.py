"""Writes of the compliance engine, one concern per module:

- ``runs``: a run and its rule × district parts; executing parts (one transaction each batch); progress and counts;
- ``dispatch``: sending a run's start and its parts to the workers, after commit; the sends a broker outage held
  back; stalled runs;
- ``reconcile``: one rule over some districts and dates, its findings upserted, reopened and cleared (the SQL is in
  ``compliance/sql.py``);
- ``findings``: a finding's status changes and staff-recorded cases;
- ``rectification``: notices, the subjects' reports and the bureau's reviews;
- ``sweeps``: the sweeps writes ask for (the outbox, debounced);
- ``schedule``: the nightly run, each rule over the days that became checkable for it;
- ``parameters``: new dated values of rule parameters.

Other apps import from here (``from compliance.services import sweep_request``). The services never import the
tasks modules: the tasks import the services, and the services send a task by its registered name
(``dispatch.task``).
"""

from .dispatch import (
    UNSENT,
    run_dispatch_parts,
    run_enqueue,
    run_start,
    runs_resume_stalled,
    runs_send_unsent,
)
from .findings import finding_create_case, finding_set_status, findings_set_status_bulk
from .parameters import (
    ParameterAdded,
    PastDateNeedsConfirmation,
    parameter_add,
    parameter_check,
    parameter_create,
    parameter_past_days,
    parameter_rules,
)
from .reconcile import PartCounts, sweep_rule_district, sweep_rule_districts
from .rectification import (
    notice_deadline,
    notices_issue,
    notices_remind,
    report_review,
    report_submit,
    severities_of,
    subject_may_answer,
)
from .runs import (
    CALENDAR_GAP,
    MAX_RUN_DAYS,
    RETRYABLE,
    RULES_PER_TASK,
    PlannedPart,
    part_batches,
    run_create,
    run_create_parts,
    run_errors,
    run_execute_sync,
    run_part_execute,
    run_parts_execute,
    run_refresh,
)

# the debounce of filing sweeps, which tests outside this app reset between tests
from .schedule import MAX_CATCH_UP_DAYS, nightly_plan, previous_night, rule_window, run_nightly
from .sweeps import (
    _debounce_claim,
    _debounce_release,
    sweep_after_write,
    sweep_pending_process,
    sweep_pending_summary,
    sweep_request,
)

__all__ = [
    "notice_deadline",
    "notices_issue",
    "notices_remind",
    "report_review",
    "report_submit",
    "severities_of",
    "subject_may_answer",
    "CALENDAR_GAP",
    "MAX_CATCH_UP_DAYS",
    "PlannedPart",
    "nightly_plan",
    "previous_night",
    "rule_window",
    "run_create_parts",
    "run_errors",
    "MAX_RUN_DAYS",
    "RETRYABLE",
    "RULES_PER_TASK",
    "UNSENT",
    "PartCounts",
    "_debounce_claim",
    "_debounce_release",
    "finding_create_case",
    "finding_set_status",
    "findings_set_status_bulk",
    "ParameterAdded",
    "PastDateNeedsConfirmation",
    "parameter_add",
    "parameter_check",
    "parameter_past_days",
    "parameter_rules",
    "parameter_create",
    "part_batches",
    "run_create",
    "run_dispatch_parts",
    "run_enqueue",
    "run_execute_sync",
    "run_nightly",
    "run_part_execute",
    "run_parts_execute",
    "run_refresh",
    "run_start",
    "runs_resume_stalled",
    "runs_send_unsent",
    "sweep_pending_process",
    "sweep_after_write",
    "sweep_pending_summary",
    "sweep_request",
    "sweep_rule_district",
    "sweep_rule_districts",
]
