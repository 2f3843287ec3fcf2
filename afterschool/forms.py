from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from .choices import ActivityKind, ProviderKind


class DailyReportForm(forms.Form):
    """The daily after-school report of the user's own school (types only; the service checks the rest)."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    pe_minutes = forms.IntegerField(label=_("体育课时长（分钟）"))
    stage1_minutes = forms.IntegerField(label=_("第一阶段锻炼时长（分钟）"))
    end_time = forms.TimeField(label=_("课后服务结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    enrolled = forms.IntegerField(label=_("报名人数"))
    participants = forms.IntegerField(label=_("实际参加人数"))
    new_lessons = forms.BooleanField(label=_("课后服务时间讲授了新课"), required=False)
    compulsory = forms.BooleanField(label=_("要求学生全员参加"), required=False)
    extended_care = forms.BooleanField(label=_("提供了延时托管"), required=False)


class ProgrammeForm(forms.Form):
    extended_care = forms.BooleanField(label=_("为有特殊需要的学生提供延时托管"), required=False)
    evening_self_study = forms.BooleanField(label=_("提供晚自习（初中）"), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类别"), choices=ActivityKind.choices)
    provider_kind = forms.ChoiceField(label=_("提供方"), choices=ProviderKind.choices)
    institution = forms.ModelChoiceField(label=_("校外机构"), queryset=Institution.objects.none(), required=False)
    provider_name = forms.CharField(label=_("提供方姓名或名称"), max_length=80, required=False)

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        # the institutions registered in the school's district; AS-10-PROVIDER judges whether one may serve
        self.fields["institution"].queryset = Institution.objects.filter(district=district).order_by("name")
