from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.choices import Category
from institutions.models import Institution

from .models import Bank


class AccountForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("培训机构"), queryset=Institution.objects.none())
    bank = forms.ModelChoiceField(label=_("存管银行"), queryset=Bank.objects.all())
    account_no = forms.CharField(label=_("监管账号"), max_length=40)
    agreement_no = forms.CharField(label=_("监管协议编号"), max_length=60)
    agreement_signed_on = forms.DateField(label=_("协议签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    opened_on = forms.DateField(label=_("启用日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.visible_to(user).filter(category=Category.SUBJECT)


class RefundRequestForm(forms.Form):
    """The parent's form: the institution (name or credit code), the receipt number, a phone number."""

    institution = forms.CharField(
        label=_("培训机构名称或统一社会信用代码"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    receipt_no = forms.CharField(
        label=_("收据编号"), max_length=40, help_text=_("缴费收据或合同上的编号"), widget=forms.TextInput()
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_name = forms.CharField(label=_("联系人（可不填）"), max_length=60, required=False)
    reason = forms.CharField(
        label=_("退费原因（可不填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RefundTrackForm(forms.Form):
    tracking_code = forms.CharField(label=_("查询码"), max_length=20)
    secret = forms.CharField(
        label=_("查询密码"), max_length=40, widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"})
    )


class RefundAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("答复"), choices=[("accept", _("同意退费")), ("refuse", _("拒绝退费"))], widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label=_("同意退款金额（元）"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    reason = forms.CharField(
        label=_("拒绝理由"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttendanceForm(forms.Form):
    prepayments = forms.MultipleChoiceField(label=_("出勤学员"), widget=forms.CheckboxSelectMultiple, required=True)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prepayments"].choices = choices
