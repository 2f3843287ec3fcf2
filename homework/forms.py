from django import forms
from django.utils.translation import gettext_lazy as _

from schools.choices import Subject
from shuangjian.validators import no_control_characters

from .choices import HomeworkKind
from .validation import MSG_CLASS


class DayForm(forms.Form):
    """Which class and day is filed; the class list is the user's own classes."""

    school_class = forms.ModelChoiceField(
        queryset=None,
        label=_("班级"),
        empty_label=None,
        error_messages={"invalid_choice": MSG_CLASS, "required": _("请选择班级")},
    )
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    no_homework = forms.BooleanField(label=_("今日无作业"), required=False)

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes


class ItemRowForm(forms.Form):
    """One subject's homework in the day form; the values go to the shared validation core as typed."""

    subject = forms.ChoiceField(label=_("学科"), choices=[("", "——")] + list(Subject.choices), required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=HomeworkKind.choices, initial=HomeworkKind.WRITTEN)
    minutes = forms.CharField(
        label=_("预计分钟"), required=False, widget=forms.NumberInput(attrs={"min": 0, "max": 300, "class": "minutes"})
    )
    at_home = forms.BooleanField(label=_("在家完成"), required=False, initial=True)
    for_parents = forms.BooleanField(label=_("布置给家长"), required=False)
    parent_grading = forms.BooleanField(label=_("家长检查或批改"), required=False)
    self_grading = forms.BooleanField(label=_("学生自批自改"), required=False)
    punitive = forms.BooleanField(label=_("机械重复或惩罚性"), required=False)
    beyond_standard = forms.BooleanField(label=_("超出课标"), required=False)
    content = forms.CharField(label=_("作业内容"), required=False, max_length=500, validators=[no_control_characters])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # each cell is named by its column header and the row's number (the row header cell)
        for name, field in self.fields.items():
            field.widget.attrs["aria-labelledby"] = f"col-{name} {self.prefix}-head"

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("subject") and not (data.get("minutes") or "").strip() and not data.get("content")


ItemRowFormSet = forms.formset_factory(ItemRowForm, extra=0, max_num=40, absolute_max=40)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("作业表（.xlsx 或 .csv，不超过 5 MB）"))
    save_good_rows = forms.BooleanField(
        label=_("有错误时仍保存正确的行（错误的行不保存，需更正后重新上传）"), required=False
    )
