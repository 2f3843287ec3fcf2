"""Forms of the registry's staff pages; querysets are limited to the caller's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scoping import is_city, restrict, role_of
from schools.models import District

from .choices import Audience, ListStatus
from .models import (
    Course,
    Disclosure,
    EnrolmentFiling,
    ForeignStaff,
    Institution,
    Prepayment,
    Session,
    Site,
    Trainer,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class InstitutionForm(forms.ModelForm):
    audience = forms.MultipleChoiceField(
        label=_("面向对象"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Institution
        fields = [
            "name",
            "credit_code",
            "district",
            "category",
            "domain",
            "audience",
            "mode",
            "nonprofit",
            "licence_no",
            "licence_status",
            "approved_on",
            "reapproved_on",
            "icp_no",
            "listed",
            "capital_raised",
            "foreign_controlled",
        ]
        widgets = {"approved_on": DATE, "reapproved_on": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_city(user):
            profile = role_of(user)
            self.fields["district"].queryset = District.objects.filter(pk=getattr(profile, "district_id", None))
        self.fields["credit_code"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class ListStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=ListStatus.choices)
    effective_on = forms.DateField(label=_("生效日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv，不超过 5 MB）"))


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("机构名称或统一社会信用代码"),
        min_length=2,
        max_length=60,
        error_messages={
            "required": _("请输入机构名称或统一社会信用代码"),
            "min_length": _("请至少输入%(limit_value)s个字"),
            "max_length": _("最多输入%(limit_value)s个字"),
        },
    )


# --- the registry's sub-records ------------------------------------------------------------------------


class _ScopedForm(forms.ModelForm):
    """A sub-record form whose foreign keys offer only what the user may see, within one institution."""

    def __init__(self, *args, user, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        if hasattr(self.instance, "institution_id") and not self.instance.institution_id:
            self.instance.institution = institution
        if "course" in self.fields:
            self.fields["course"].queryset = restrict(Course.objects.filter(institution=institution), user)
        if "site" in self.fields:
            self.fields["site"].queryset = restrict(Site.objects.filter(institution=institution), user)
        if "trainers" in self.fields:
            self.fields["trainers"].queryset = restrict(Trainer.objects.filter(institution=institution), user)


class SiteForm(_ScopedForm):
    class Meta:
        model = Site
        fields = ["address", "approved", "approved_on"]
        widgets = {"approved_on": DATE}


class TrainerForm(_ScopedForm):
    class Meta:
        model = Trainer
        fields = ["name", "photo", "certificate_no", "classes_taught", "disclosed"]
        widgets = {"classes_taught": forms.Textarea(attrs={"rows": 2})}


class ForeignStaffForm(_ScopedForm):
    class Meta:
        model = ForeignStaff
        fields = ["name", "work_permit_no", "in_china", "disclosed"]


class CourseForm(_ScopedForm):
    class Meta:
        model = Course
        fields = [
            "name",
            "subject",
            "content_grade",
            "min_grade",
            "max_grade",
            "foreign_curriculum",
            "mode",
            "class_size",
            "lesson_minutes",
            "price_per_lesson",
            "trainers",
            "enrolment_opens_on",
            "disclosed",
        ]
        widgets = {"enrolment_opens_on": DATE, "trainers": forms.CheckboxSelectMultiple}


class SessionForm(_ScopedForm):
    class Meta:
        model = Session
        fields = ["course", "class_group", "site", "starts_at", "ends_at", "mode"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def clean(self):
        data = super().clean()
        if data.get("mode") == "offline" and not data.get("site"):
            self.add_error("site", _("线下课须填写场所"))
        return data


class EnrolmentFilingForm(_ScopedForm):
    class Meta:
        model = EnrolmentFiling
        fields = ["course", "filed_on", "approved_on", "brochure", "fees", "enrolment_opens_on"]
        widgets = {"filed_on": DATE, "approved_on": DATE, "enrolment_opens_on": DATE}


class PrepaymentForm(_ScopedForm):
    class Meta:
        model = Prepayment
        fields = ["course", "paid_on", "amount", "class_hours", "months", "account", "supervised"]
        widgets = {"paid_on": DATE}


class DisclosureForm(_ScopedForm):
    class Meta:
        model = Disclosure
        fields = ["item", "published", "content", "updated_on"]
        widgets = {"updated_on": DATE}

    def clean(self):
        data = super().clean()
        item = data.get("item")
        clash = Disclosure.objects.filter(institution=self.institution, item=item).exclude(pk=self.instance.pk)
        if item and clash.exists():
            self.add_error("item", _("该机构已有此公示事项"))
        return data


#: kind in the URL → (model, form, roles that may write, title)
RECORD_KINDS = {
    "sites": (Site, SiteForm, {"city", "district"}, _("培训场所")),
    "trainers": (Trainer, TrainerForm, {"city", "district", "institution"}, _("培训人员")),
    "foreign-staff": (ForeignStaff, ForeignStaffForm, {"city", "district", "institution"}, _("外籍人员")),
    "courses": (Course, CourseForm, {"city", "district", "institution"}, _("课程")),
    "sessions": (Session, SessionForm, {"city", "district", "institution"}, _("课次")),
    "filings": (EnrolmentFiling, EnrolmentFilingForm, {"city", "district"}, _("招生备案")),
    "prepayments": (Prepayment, PrepaymentForm, {"city", "district"}, _("预收费")),
    "disclosures": (Disclosure, DisclosureForm, {"city", "district", "institution"}, _("公示事项")),
}
