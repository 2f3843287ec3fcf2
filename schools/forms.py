"""Forms of the schools app's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import StatutoryYear
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
