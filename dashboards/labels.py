"""Labels of the codes the dashboards show (from each app's choices).

The exports keep the Chinese labels (the dicts below); pages ask ``label()``, which speaks the reader's language.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from complaints import choices as complaint_choices
from compliance.choices import Severity
from institutions import choices as institution_choices
from schools.choices import GradeBand, Stage

from .choices import ReportState


def _labels(choices) -> dict:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


BAND = _labels(GradeBand.choices)
REPORT_STATE = _labels(ReportState.choices)
STAGE = _labels(Stage.choices)
SEVERITY = {**_labels(Severity.choices), "unknown": "未登记"}
CATEGORY = _labels(institution_choices.Category.choices)
LICENCE = _labels(institution_choices.LicenceStatus.choices)
LIST_STATUS = _labels(institution_choices.ListStatus.choices)
COMPLAINT_CATEGORY = _labels(complaint_choices.Category.choices)
DEPARTMENT = _labels(complaint_choices.Department.choices)

CHOICES = {
    "band": GradeBand.choices,
    "stage": Stage.choices,
    "severity": Severity.choices,
    "category": institution_choices.Category.choices,
    "licence": institution_choices.LicenceStatus.choices,
    "list_status": institution_choices.ListStatus.choices,
    "complaint_category": complaint_choices.Category.choices,
    "department": complaint_choices.Department.choices,
}


def label(kind: str, value):
    """The label of ``value`` among the ``kind`` codes in the active language; an unknown code as it is."""
    if kind == "severity" and value == "unknown":
        return _("未登记")
    for code, text in CHOICES.get(kind, ()):
        if code == value:
            return str(text)
    return value
