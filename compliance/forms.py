from typing import cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from schools.models import District

from . import registry
from .choices import ALLOWED_TRANSITIONS, SUBJECT_STATUSES, FindingStatus


class FindingStatusForm(forms.Form):
    """A status change with its reason; offers only the transitions the caller may make from the current status."""

    status = forms.ChoiceField(label=_("新状态"))
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, finding, bureau: bool, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(finding.status, set())
        if not bureau:
            allowed = allowed & SUBJECT_STATUSES
        self._status_field.choices = [(s.value, s.label) for s in FindingStatus if s in allowed]

    @property
    def _status_field(self) -> forms.ChoiceField:
        # this form's copy of the declared ``status`` field, typed as the ChoiceField it was declared as
        return cast(forms.ChoiceField, self.fields["status"])

    @property
    def has_choices(self) -> bool:
        return bool(self._status_field.choices)


class RunStartForm(forms.Form):
    """Start a sweep: a date range, one district or all (city staff), some rules or all."""

    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.ModelChoiceField(
        label=_("区"),
        queryset=District.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("全市"),
    )
    rule_ids = forms.MultipleChoiceField(
        label=_("规则"),
        required=False,
        help_text=_("不选表示全部自动规则"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, own_district=None, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language()
        self.fields["rule_ids"].choices = [(r.id, f"{r.id} {r.title(language)}") for r in registry.auto_rules()]
        if own_district is not None:
            self.fields["district"].queryset = District.objects.filter(pk=own_district.pk)
            self.fields["district"].required = True
            self.fields["district"].empty_label = None
            self.fields["district"].initial = own_district.code

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data
