"""Form fields shared by the apps."""

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; their content is checked by the service that stores them."""

    def __init__(self, *args, accept: str = "", **kwargs):
        attrs = {"multiple": True, **({"accept": accept} if accept else {})}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        one = super().clean  # a comprehension has no zero-argument super()
        return [one(f, initial) for f in files]
