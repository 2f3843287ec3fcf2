"""The inspection record form: the visit, the subject among the district's schools and institutions (or premises
not in the registry), a checklist of the catalogue's rules grouped by article, and photos."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from compliance.choices import SubjectKind
from institutions.models import Institution
from schools.models import District, School
from shuangjian.fields import MultipleFileField

from .checklist import checklist_groups
from .choices import InspectionKind, ItemResult, SubjectType
from .selectors import subjects_of

PLACE = SubjectType.PLACE.value


def result_field(rule_id: str) -> str:
    return f"result__{rule_id}"


def note_field(rule_id: str) -> str:
    return f"note__{rule_id}"


class InspectionForm(forms.Form):
    """One inspection. District staff's district is fixed (a hidden field the service checks again); city staff
    choose it, then the subject among that district's schools and institutions ("刷新" reloads the lists and the
    checklist for the chosen subject without saving anything)."""

    district = forms.ModelChoiceField(
        label=_("区"),
        queryset=District.objects.all(),
        to_field_name="code",
        error_messages={"required": _("区：必填"), "invalid_choice": _("区：没有这个区")},
    )
    subject = forms.CharField(
        label=_("检查对象"),
        widget=forms.Select,
        error_messages={"required": _("检查对象：必填")},
        help_text=_("本区登记的学校或培训机构；不在登记中的场所选“未登记场所”并填写地点"),
    )
    date = forms.DateField(
        label=_("检查日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("检查日期：必填"), "invalid": _("检查日期：请按“年-月-日”填写")},
    )
    place = forms.CharField(
        label=_("检查地点"),
        max_length=200,
        required=False,
        help_text=_("地址或场所名称；检查未登记场所时必填"),
        error_messages={"max_length": _("检查地点：不能超过 200 字")},
    )
    inspectors = forms.CharField(
        label=_("检查人员"),
        max_length=200,
        help_text=_("参加检查的人员姓名，用顿号或逗号分隔"),
        error_messages={"required": _("检查人员：必填"), "max_length": _("检查人员：不能超过 200 字")},
    )
    kind = forms.ChoiceField(
        label=_("检查类型"),
        choices=InspectionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("检查类型：必填"), "invalid_choice": _("检查类型：请从列出的类型中选择")},
    )
    notes = forms.CharField(
        label=_("检查情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=8000,
        error_messages={"max_length": _("检查情况：不能超过 8000 字")},
    )
    photos = MultipleFileField(
        label=_("现场照片（JPEG 或 PNG，每张不超过 10 MB，可多选）"),
        required=False,
        accept="image/jpeg,image/png",
    )
    captions = forms.CharField(
        label=_("照片说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("每行一条，按上传照片的顺序"),
    )

    def __init__(self, *args, own_district=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_district = own_district
        if own_district is not None:
            self.fields["district"].widget = forms.HiddenInput()
            self.fields["district"].initial = own_district.code
        self.district = own_district or self._chosen_district()
        self.subject_type = self._chosen_subject_type()
        self._subject_choices()
        self.checklist = []
        for article, rules in checklist_groups(self.subject_type):
            rows = []
            for rule in rules:
                self.fields[result_field(rule.id)] = forms.ChoiceField(
                    label=rule.id,
                    choices=ItemResult.choices,
                    initial=ItemResult.NOT_CHECKED,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": _("%(rule)s：请选择合规、违规或未检查") % {"rule": rule.id}},
                )
                self.fields[note_field(rule.id)] = forms.CharField(
                    label=_("%(rule)s 说明") % {"rule": rule.id},
                    required=False,
                    max_length=2000,
                    widget=forms.TextInput(attrs={"class": "checklist-note"}),
                    error_messages={"max_length": _("%(rule)s 说明：不能超过 2000 字") % {"rule": rule.id}},
                )
                rows.append(
                    {
                        "rule": rule,
                        "title": rule.title(get_language()),
                        "subject": SubjectKind(rule.subject).label,
                        "result": self[result_field(rule.id)],
                        "note": self[note_field(rule.id)],
                    }
                )
            self.checklist.append({"article": article, "rows": rows})

    def _value(self, name):
        source = self.data if self.is_bound else self.initial
        return source.get(name) or self.fields[name].initial

    def _chosen_district(self):
        code = self._value("district")
        return District.objects.filter(code=code).first() if code else None

    def _chosen_subject_type(self) -> str | None:
        value = str(self._value("subject") or "")
        kind = value.split(":", 1)[0]
        return kind if kind in SubjectType.values else None

    def _subject_choices(self):
        choices: list = [("", _("— 请选择 —"))]
        if self.district is not None:
            schools, institutions = subjects_of(self.district)
            choices.append((_("学校"), [(f"school:{s.pk}", s.name) for s in schools]))
            choices.append((_("培训机构"), [(f"institution:{i.pk}", i.name) for i in institutions]))
        choices.append((PLACE, _("未登记场所（在地点中写明）")))
        cast(forms.Select, self.fields["subject"].widget).choices = choices

    def clean_subject(self):
        value = self.cleaned_data["subject"]
        kind, _sep, pk = value.partition(":")
        if kind == PLACE and not pk:
            return {"school": None, "institution": None}
        model = {"school": School, "institution": Institution}.get(kind)
        obj = model.objects.filter(pk=pk).first() if model is not None and pk.isdigit() else None
        if obj is None:
            raise forms.ValidationError(_("检查对象：请从列出的学校、培训机构中选择"))
        return {"school": obj if kind == "school" else None, "institution": obj if kind == "institution" else None}

    def clean(self):
        data = super().clean()
        subject = data.get("subject")
        if subject and subject["school"] is None and subject["institution"] is None and not data.get("place"):
            self.add_error("place", _("检查地点：检查未登记场所时请写明地点"))
        return data

    def items(self) -> list[dict]:
        """The checklist lines that were checked or carry a note, as the service takes them."""
        out = []
        for group in self.checklist:
            for row in group["rows"]:
                rule_id = row["rule"].id
                result = self.cleaned_data.get(result_field(rule_id)) or ItemResult.NOT_CHECKED
                note = (self.cleaned_data.get(note_field(rule_id)) or "").strip()
                if result != ItemResult.NOT_CHECKED or note:
                    out.append({"rule_id": rule_id, "result": result, "note": note})
        return out

    def photo_entries(self) -> list[dict]:
        captions = (self.cleaned_data.get("captions") or "").splitlines()
        files = self.cleaned_data.get("photos") or []
        return [{"file": f, "caption": captions[i] if i < len(captions) else ""} for i, f in enumerate(files)]
