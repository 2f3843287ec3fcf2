"""Forms of the complaint pages: the public form (works without JavaScript), staff entry, and workflow forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution
from schools.models import District, School
from shuangjian.fields import MultipleFileField
from shuangjian.form_messages import own_messages, portal_messages

from .choices import Category, Channel, Department, State, TargetKind
from .uploads import MAX_PHOTOS

SEARCH_LIMIT = 10

#: 一年级 … 九年级: compulsory education's nine grades, as a parent names them
GRADE_CHOICES = [
    (1, _("一年级")),
    (2, _("二年级")),
    (3, _("三年级")),
    (4, _("四年级")),
    (5, _("五年级")),
    (6, _("六年级")),
    (7, _("七年级（初一）")),
    (8, _("八年级（初二）")),
    (9, _("九年级（初三）")),
]


class MultipleImageField(MultipleFileField):
    """Several photos under one name; their content is checked by the service (``uploads.check_photos``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, accept="image/*", **kwargs)


class ComplaintForm(forms.Form):
    """The public complaint form. An institution or school is found by name: with JavaScript through the
    autocomplete, without it by a search step that lists the matches to choose from."""

    target_kind = forms.ChoiceField(
        label=_("投诉对象"), choices=TargetKind.choices, widget=forms.RadioSelect, initial=TargetKind.INSTITUTION
    )
    institution_name = forms.CharField(
        label=_("培训机构名称"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-autocomplete": "institutions"}),
    )
    institution = forms.IntegerField(required=False, widget=forms.HiddenInput)
    school_name = forms.CharField(
        label=_("学校名称"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-autocomplete": "schools"}),
    )
    school = forms.IntegerField(required=False, widget=forms.HiddenInput)
    teacher_name = forms.CharField(label=_("教师姓名"), max_length=40, required=False)
    target_text = forms.CharField(
        label=_("投诉对象说明"), max_length=200, required=False, help_text=_("例如未登记机构的名称和地址")
    )
    district = forms.ModelChoiceField(
        label=_("问题发生的区"),
        queryset=District.objects.order_by("code"),
        required=False,
        help_text=_("投诉对象为“其他”时必填"),
    )
    grade = own_messages(
        forms.TypedChoiceField(
            label=_("学生年级"),
            choices=[("", _("请选择（可不填）")), *GRADE_CHOICES],
            coerce=int,
            empty_value=None,
            required=False,
        ),
        invalid_choice=_("年级须在一至九年级之间"),
    )
    category = forms.ChoiceField(label=_("问题类别"), choices=Category.choices)
    description = forms.CharField(label=_("问题描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    occurred_on = forms.DateField(
        label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    photos = MultipleImageField(required=False)  # labelled in __init__: a lazy text formatted here would be frozen
    contact_name = forms.CharField(label=_("联系人（可不填）"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话（可不填）"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(label=_("电子邮箱（可不填）"), max_length=120, required=False)
    #: the one-time token of this form: a second POST of the same form (a reload, a double tap) finds the first
    #: complaint instead of filing another
    submission_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].label = _("照片（可选，最多%(n)d张，每张不超过5 MB）") % {"n": MAX_PHOTOS}
        self.fields["occurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.institution_candidates = []
        self.school_candidates = []
        portal_messages(self)
        self.fields["category"].error_messages["required"] = _("请选择问题类别")
        self.fields["description"].error_messages["required"] = _("请描述问题：发生了什么、涉及哪个班级或课程")

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data.get("occurred_on")
        if occurred_on and occurred_on > timezone.localdate():
            raise forms.ValidationError(_("发生日期不能晚于今天"), code="future")
        return occurred_on

    def error_summary(self) -> list[dict]:
        """Every error of the form, in the order of the fields, each with the id of the field it belongs to."""
        out = [{"id": "", "label": "", "message": e} for e in self.non_field_errors()]
        for name, field in self.fields.items():
            if name in self.errors and not isinstance(field.widget, forms.HiddenInput):
                bound = self[name]
                widget_id = bound.auto_id
                if isinstance(field.widget, forms.RadioSelect):
                    widget_id = f"{widget_id}_0"
                for e in self.errors[name]:
                    out.append({"id": widget_id, "label": field.label, "message": e})
        return out

    def _pick(self, model, id_field, name_field, candidates_attr, label):
        pk = self.cleaned_data.get(id_field)
        if pk:
            obj = model.objects.select_related("district").filter(pk=pk).first()
            if obj is None:
                self.add_error(name_field, _("所选%(l)s不存在，请重新搜索") % {"l": label})
            return obj
        name = (self.cleaned_data.get(name_field) or "").strip()
        if not name:
            self.add_error(name_field, _("请填写%(l)s名称") % {"l": label})
            return None
        exact = list(model.objects.select_related("district").filter(name=name)[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(
            model.objects.select_related("district").filter(name__icontains=name).order_by("name")[: SEARCH_LIMIT + 1]
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            self.add_error(
                name_field,
                _("未找到名称包含“%(n)s”的%(l)s。如对象未登记，请选择“其他”并说明。") % {"n": name, "l": label},
            )
            return None
        setattr(self, candidates_attr, matches[:SEARCH_LIMIT])
        self.add_error(name_field, _("找到多个%(l)s，请在下面选择一个") % {"l": label})
        return None

    def clean(self):
        data = super().clean()
        kind = data.get("target_kind")
        data["institution_obj"] = data["school_obj"] = None
        if kind == TargetKind.INSTITUTION:
            data["institution_obj"] = self._pick(
                Institution, "institution", "institution_name", "institution_candidates", _("培训机构")
            )
        elif kind in (TargetKind.SCHOOL, TargetKind.TEACHER):
            data["school_obj"] = self._pick(School, "school", "school_name", "school_candidates", _("学校"))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "target_kind": d["target_kind"],
            "institution": d.get("institution_obj"),
            "school": d.get("school_obj"),
            "teacher_name": d.get("teacher_name", ""),
            "target_text": d.get("target_text", ""),
            "district": d.get("district"),
            "grade": d.get("grade"),
            "category": d["category"],
            "description": d["description"],
            "occurred_on": d["occurred_on"],
            "contact_name": d.get("contact_name", ""),
            "contact_phone": d.get("contact_phone", ""),
            "contact_email": d.get("contact_email", ""),
            "photos": d.get("photos") or [],
            "submission_token": d.get("submission_token"),
        }


class StaffComplaintForm(ComplaintForm):
    """A complaint that came in through another channel, entered by bureau staff."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=[c for c in Channel.choices if c[0] != Channel.WEB])

    field_order = ["channel"]

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "channel": self.cleaned_data["channel"]}


class TrackForm(forms.Form):
    tracking_code = forms.CharField(label=_("查询码"), max_length=20)
    secret = forms.CharField(
        label=_("查询密码"), max_length=40, widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        portal_messages(self)


class ReopenForm(TrackForm):
    note = forms.CharField(
        label=_("申请重新处理的理由"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# -- the detail page's actions: one form each, with only that action's fields ---------------------------------


class _ActionForm(forms.Form):
    """One action on a complaint; ``to_state`` is the state it moves the complaint to (None: not a move)."""

    action = ""
    to_state: str | None = None
    title = ""

    def __init__(self, *args, complaint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "note": d.get("note", ""),
            "public": d.get("public", False),
            "reason": d.get("reason", ""),
            "outcome": d.get("outcome", ""),
            "upheld": d.get("upheld"),
            "rule_id": d.get("rule_id", ""),
        }


def _note(label=None):
    return forms.CharField(
        label=label or _("说明"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptForm(_ActionForm):
    action, to_state, title = "accept", State.ACCEPTED, _("受理")
    note = _note(_("受理说明"))
    public = forms.BooleanField(label=_("对投诉人公开此说明"), required=False, initial=True)


class RejectForm(_ActionForm):
    action, to_state, title = "reject", State.REJECTED, _("不予受理")
    reason = forms.CharField(
        label=_("不予受理理由（对投诉人公开）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明不予受理的理由")},
    )


class InvestigateForm(_ActionForm):
    action, to_state, title = "investigate", State.INVESTIGATING, _("开始调查")
    note = _note()
    public = forms.BooleanField(label=_("对投诉人公开此说明"), required=False)


UPHELD_CHOICES = [("true", _("属实")), ("false", _("不属实"))]


class ResolveForm(_ActionForm):
    """Resolve: the outcome, whether the complaint was upheld and, if so, the rule its case is recorded under,
    chosen by the officer (never pre-selected)."""

    action, to_state, title = "resolve", State.RESOLVED, _("办结")
    outcome = forms.CharField(
        label=_("办理结果（对投诉人公开）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写办理结果")},
    )
    upheld = forms.TypedChoiceField(
        label=_("投诉是否属实"),
        choices=UPHELD_CHOICES,
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
        error_messages={"required": _("请说明投诉是否属实")},
    )
    rule_id = forms.ChoiceField(label=_("立案规则（属实时必选）"), required=False)
    note = _note(_("内部说明"))

    def __init__(self, *args, complaint=None, **kwargs):
        super().__init__(*args, complaint=complaint, **kwargs)
        from compliance import registry

        from .services import rule_choices

        language = get_language()
        ids = list(rule_choices(complaint)) if complaint is not None else []
        if not ids:
            ids = [r.id for r in registry.all_rules() if r.kind == "case"] or [r.id for r in registry.all_rules()]
        choices = [("", _("请选择规则"))]
        for rule_id in ids:
            rule = registry.get_rule(rule_id) if registry.is_registered(rule_id) else None
            choices.append((rule_id, f"{rule_id} {rule.title(language)}" if rule else rule_id))
        self.fields["rule_id"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("upheld") and not data.get("rule_id"):
            self.add_error("rule_id", _("投诉属实时须选择立案规则"))
        return data


class CloseForm(_ActionForm):
    action, to_state, title = "close", State.CLOSED, _("关闭")
    note = _note()


#: the forms of the state moves, by action, and the action of each target state (a form posting ``to_state``)
ACTION_FORMS: dict[str, type[_ActionForm]] = {
    f.action: f for f in (AcceptForm, RejectForm, InvestigateForm, ResolveForm, CloseForm)
}
ACTION_OF_STATE = {str(f.to_state): f.action for f in ACTION_FORMS.values()}


class AssignForm(forms.Form):
    """Assign the complaint to a named officer of its district."""

    assignee = forms.ModelChoiceField(
        label=_("承办人"), queryset=None, empty_label=_("请选择承办人"), error_messages={"required": _("请选择承办人")}
    )
    note = forms.CharField(label=_("交办说明（内部）"), max_length=2000, required=False)

    def __init__(self, *args, complaint, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        from .services import assignable_officers

        field = self.fields["assignee"]
        field.queryset = assignable_officers(complaint)
        field.label_from_instance = lambda u: u.get_full_name() or u.username


class RerouteForm(forms.Form):
    district = forms.ModelChoiceField(label=_("承办区"), queryset=District.objects.order_by("code"), required=False)
    department = forms.ChoiceField(label=_("承办部门"), choices=[("", "—"), *Department.choices], required=False)
    reason = forms.CharField(label=_("转办理由"), max_length=2000)


class MatchTeacherForm(forms.Form):
    teacher = forms.ModelChoiceField(label=_("核实为本校在职教师"), queryset=None)

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        from schools.models import SchoolTeacher

        self.fields["teacher"].queryset = SchoolTeacher.objects.filter(school_id=complaint.school_id).order_by("name")
