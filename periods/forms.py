from django import forms
from django.utils.translation import gettext_lazy as _

from homework.forms import ItemRowForm
from shuangjian.validators import no_control_characters


class CorrectionForm(forms.Form):
    """Which closed day and class-days, why, and optionally the new rows as a file in the homework upload layout."""

    date = forms.DateField(label=_("更正日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    school_classes = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("更正的班级"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("至少选择一个班级")},
    )
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters],
    )
    file = forms.FileField(
        label=_("或上传更正后的作业表（与批量上传作业的模板相同）"),
        required=False,
        help_text=_("上传文件时，以文件中的作业为准，下方逐行填写的作业不计入"),
    )

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_classes"].queryset = classes
        self.fields["school_classes"].label_from_instance = lambda c: f"{c.name}"


class CorrectionRowForm(ItemRowForm):
    """One new item of a correction: the class it belongs to, then the day form's fields."""

    school_class = forms.TypedChoiceField(label=_("班级"), coerce=int, required=False, empty_value=None)
    field_order = ["school_class"]

    def __init__(self, *args, class_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].choices = [("", "——"), *class_choices]


CorrectionRowFormSet = forms.formset_factory(CorrectionRowForm, extra=0, max_num=40, absolute_max=40)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("批准")), ("reject", _("驳回"))])
    reason = forms.CharField(
        label=_("审批意见（驳回时必填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )
