"""The filter form of the dashboard pages (a GET form: date range, school stage, grade band)."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.choices import GradeBand, Stage

from .api.serializers import MAX_RANGE_DAYS
from .selectors import Filters, default_range


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("日期至"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    stage = forms.ChoiceField(label=_("学段"), required=False, choices=[("", _("全部学段")), *Stage.choices])
    grade_band = forms.ChoiceField(
        label=_("年级段"), required=False, choices=[("", _("全部年级段")), *GradeBand.choices]
    )

    def clean(self):
        data = super().clean()
        start, end = default_range()
        date_to = data.get("date_to") or (data["date_from"] + dt.timedelta(days=27) if data.get("date_from") else end)
        date_from = data.get("date_from") or date_to - (end - start)
        if date_to < date_from:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        elif (date_to - date_from).days > MAX_RANGE_DAYS:
            self.add_error("date_to", _("一次最多查看400天"))
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def shown(self, filters: Filters) -> "DashboardFilterForm":
        """The form as the page shows it: an invalid one as typed (with its errors), otherwise the period and
        filters actually shown, so the date inputs always hold the dates of the figures below them."""
        if self.is_bound and not self.is_valid():
            return self
        return DashboardFilterForm(
            initial={
                "date_from": filters.date_from,
                "date_to": filters.date_to,
                "stage": filters.stage,
                "grade_band": filters.grade_band,
            }
        )

    def filters(self) -> Filters:
        """The validated filters, or the defaults when the form is unbound or invalid."""
        if self.is_bound and self.is_valid():
            d = self.cleaned_data
            return Filters(
                date_from=d["date_from"],
                date_to=d["date_to"],
                stage=d.get("stage") or "",
                grade_band=d.get("grade_band") or "",
            )
        start, end = default_range()
        return Filters(date_from=start, date_to=end)


class MonthForm(forms.Form):
    """The month a district freezes into its monthly report (月报)."""

    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("请按“年-月”填写月份，如 2026-11")},
    )
