"""Forms of the schools app's pages."""

import datetime as dt

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from .models import District, StatutoryYear, Term, Vacation
from .services import STATUTORY_YEAR_MAX, STATUTORY_YEAR_MIN


class StatutoryYearForm(forms.Form):
    """A statutory year as city staff type it from the State Council's notice: the lines are parsed and checked by
    ``services.statutory_year_save``, which names the line of every problem."""

    year = forms.IntegerField(label=_("年份"), min_value=STATUTORY_YEAR_MIN, max_value=STATUTORY_YEAR_MAX)
    source = forms.CharField(
        label=_("依据"),
        max_length=StatutoryYear._meta.get_field("source").max_length,
        help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    holidays = forms.CharField(
        label=_("法定节假日"),
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "2027-01-01 元旦\n2027-02-11~2027-02-17 春节"}),
        help_text=_(
            "每行一个节日：日期和名称，如“2027-01-01 元旦”；连续放假写成日期范围，如“2027-02-11~2027-02-17 春节”"
        ),
    )
    makeup_days = forms.CharField(
        label=_("调休上班日"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "2027-02-07"}),
        help_text=_("每行一个日期，如“2027-02-07”，须是周六或周日；没有调休可不填"),
    )


class _PeriodForm(forms.ModelForm):
    """A term or a vacation: its dates as ISO date inputs, the district empty for the whole city."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].empty_label = _("全市")
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TermForm(_PeriodForm):
    class Meta:
        model = Term
        fields = ["academic_year", "name", "district", "starts_on", "ends_on"]
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": _("该学年的这个学期在所选范围（全市或该区）已有一条，请在下方列表中修改已有的一条")
            }
        }


class VacationForm(_PeriodForm):
    class Meta:
        model = Vacation
        fields = ["academic_year", "kind", "district", "starts_on", "ends_on"]
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": _("该学年的这个假期在所选范围（全市或该区）已有一条，请在下方列表中修改已有的一条")
            }
        }


class MonthForm(forms.Form):
    """Which month of whose calendar the grid shows."""

    month = forms.CharField(label=_("月份"), widget=forms.DateInput(attrs={"type": "month"}), required=False)
    district = forms.ModelChoiceField(
        label=_("区"), queryset=District.objects.all(), required=False, empty_label=_("全市"), to_field_name="code"
    )

    def clean_month(self):
        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        try:
            year, month = (int(p) for p in text.split("-"))
            return dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("请选择月份，例如 2026-09")) from None
