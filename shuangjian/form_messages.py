"""The portal's own Chinese validation messages for the public forms, in place of Django's stock translations
("确保该值小于或等于9。", "确保该变量至少包含 2 字符(目前字符数 1)。"): each names the field in the words of its label.

``portal_messages(form)`` is called at the end of a form's ``__init__``; a field's own ``error_messages`` (set in
its declaration) win over these.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


def _messages_for(field: forms.Field, label: str) -> dict:
    is_choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    messages = {
        "required": (_("请选择%(label)s") if is_choice else _("请填写%(label)s")) % {"label": label},
        "invalid": _("%(label)s格式不正确") % {"label": label},
        "invalid_choice": _("请从列表中选择%(label)s") % {"label": label},
        # the validators' codes: %(limit_value)s is filled in by Django from the validator
        "max_length": _("%(label)s不超过%%(limit_value)s个字") % {"label": label},
        "min_length": _("%(label)s至少%%(limit_value)s个字") % {"label": label},
        "max_value": _("%(label)s不能大于%%(limit_value)s") % {"label": label},
        "min_value": _("%(label)s不能小于%%(limit_value)s") % {"label": label},
    }
    if isinstance(field, forms.DateField):
        messages["invalid"] = _("%(label)s请按“年-月-日”填写，例如 2026-11-20") % {"label": label}
    if isinstance(field, forms.EmailField):
        messages["invalid"] = _("电子邮箱格式不正确，例如 name@example.com")
    return messages


def portal_messages(form: forms.BaseForm) -> None:
    """Replace Django's default messages on every field of ``form`` by the portal's, keeping any the field sets."""
    for field in form.fields.values():
        label = str(field.label or "").rstrip("：:").split("（")[0] or str(_("此项"))
        declared = {k: v for k, v in field.error_messages.items() if k in getattr(field, "_portal_own", ())}
        field.error_messages = {**field.error_messages, **_messages_for(field, label), **declared}


def own_messages(field: forms.Field, **messages) -> forms.Field:
    """Give one field messages of its own, kept by ``portal_messages``."""
    field.error_messages.update(messages)
    field._portal_own = tuple(messages)  # type: ignore[attr-defined]
    return field
