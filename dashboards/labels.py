"""Chinese labels of the codes the dashboards show (from each app's choices), for pages and exports."""

from django.utils import translation

from complaints import choices as complaint_choices
from compliance.choices import Severity
from institutions import choices as institution_choices
from schools.choices import GradeBand, Stage


def _labels(choices) -> dict:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


BAND = _labels(GradeBand.choices)
STAGE = _labels(Stage.choices)
SEVERITY = {**_labels(Severity.choices), "unknown": "未登记"}
CATEGORY = _labels(institution_choices.Category.choices)
LICENCE = _labels(institution_choices.LicenceStatus.choices)
LIST_STATUS = _labels(institution_choices.ListStatus.choices)
COMPLAINT_CATEGORY = _labels(complaint_choices.Category.choices)
DEPARTMENT = _labels(complaint_choices.Department.choices)
