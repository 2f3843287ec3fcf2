import re
from typing import cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from schools.models import District
from shuangjian.fields import MultipleFileField

from . import registry
from .choices import ALLOWED_TRANSITIONS, SUBJECT_STATUSES, FindingStatus, ReportDecision


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


class FindingBulkStatusForm(forms.Form):
    """The findings list's bulk action: one new status and one reason for every chosen finding (bureau staff; each
    finding changes only where the status rules allow it from its own status)."""

    # the fields share the list's form with the notice and export buttons: the server checks them for this action
    use_required_attribute = False

    status = forms.ChoiceField(
        label=_("新状态"),
        widget=forms.Select(attrs={"id": "id_bulk_status"}),
        choices=[("", _("请选择新状态"))] + [(s.value, s.label) for s in FindingStatus if s != FindingStatus.CLEARED],
        error_messages={"required": _("请选择新状态")},
    )
    reason = forms.CharField(
        label=_("原因"),
        max_length=2000,
        widget=forms.TextInput(attrs={"id": "id_bulk_reason"}),
        error_messages={"required": _("请填写变更原因")},
    )


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


class NoticeIssueForm(forms.Form):
    """Issue rectification notices for the chosen open findings (one notice per school or institution)."""

    finding_ids = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    required_action = forms.CharField(
        label=_("整改要求"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("写明应采取的整改措施；被通知的学校或机构在整改报告中逐项说明"),
    )

    def __init__(self, *args, finding_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(i, str(i)) for i in finding_ids]
        cast(forms.ChoiceField, self.fields["finding_ids"]).choices = choices


class ReportForm(forms.Form):
    """The subject's rectification report: what was done, with evidence attached."""

    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 6}), max_length=8000)
    files = MultipleFileField(
        label=_("附件（照片、PDF、Excel，每个不超过 10 MB）"),
        required=False,
        accept="image/jpeg,image/png,image/webp,application/pdf,.xlsx",
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("复核结果"),
        choices=[(ReportDecision.ACCEPTED, _("通过，销号")), (ReportDecision.RETURNED, _("退回，重新整改"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("复核意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("退回时必填"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == ReportDecision.RETURNED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回须说明理由"))
        return data


class ParameterValueForm(forms.Form):
    """A new dated value of one rule parameter, typed as its earlier values are (a number, a time such as 20:30)."""

    value = forms.CharField(label=_("新取值"), max_length=100)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source = forms.CharField(
        label=_("依据"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明文件名称、文号和条款，例如：京教基〔2027〕1号 第三条"),
    )
    confirm_past = forms.BooleanField(
        label=_("确认：生效日期早于今天，保存后重新检查受影响的日期"),
        required=False,
    )

    def __init__(self, *args, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = previous

    def clean_value(self):
        text = self.cleaned_data["value"].strip()
        sample = self.previous.value if self.previous is not None else None
        if isinstance(sample, bool):
            if text in ("是", "true", "1"):
                return True
            if text in ("否", "false", "0"):
                return False
            raise forms.ValidationError(_("请填写“是”或“否”"))
        if isinstance(sample, (int, float)) or sample is None and re.fullmatch(r"-?\d+(\.\d+)?", text):
            try:
                number = float(text)
            except ValueError:
                raise forms.ValidationError(_("请填写数字，例如 %(example)s") % {"example": sample}) from None
            if number < 0:
                raise forms.ValidationError(_("取值不能为负数"))
            return int(number) if number.is_integer() and not isinstance(sample, float) else number
        if isinstance(sample, str) and re.fullmatch(r"\d{1,2}:\d{2}", sample):
            match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", text)
            if not match or int(match[1]) > 23 or int(match[2]) > 59:
                raise forms.ValidationError(_("请按“时:分”填写时间，例如 %(example)s") % {"example": sample})
            return f"{int(match[1]):02d}:{match[2]}"
        return text
