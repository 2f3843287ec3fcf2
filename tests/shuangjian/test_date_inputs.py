"""Every date field of the portal's forms shows its value as ISO ``YYYY-MM-DD`` in both languages.

``<input type="date">`` accepts nothing else: a value rendered as ``2026/12/04`` (Django's Chinese input format)
is dropped by the browser and the field comes up empty. The forms are found, not listed: each app's ``forms`` and
``filtersets`` modules are walked for their date fields.
"""

import copy
import datetime as dt
import importlib
import inspect

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation

DAY = dt.date(2026, 12, 4)
MOMENT = dt.datetime(2026, 12, 4, 9, 30)


def _date_widgets():
    """(where, widget) of every date or date-time field declared by a form or filter set of the portal's apps."""
    found = []
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)) or ".venv" in config.path:
            continue
        for module_name in ("forms", "filtersets"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__:
                    continue
                if issubclass(cls, forms.BaseForm):
                    fields = cls.base_fields.items()
                elif issubclass(cls, django_filters.FilterSet):
                    # a copy: building the field of the class's own filter would keep it for every later instance
                    fields = ((n, copy.deepcopy(flt).field) for n, flt in cls.base_filters.items())
                else:
                    continue
                for field_name, field in fields:
                    month_picker = getattr(field.widget, "input_type", "") == "month"  # YYYY-MM by design
                    if isinstance(field, (forms.DateField, forms.DateTimeField)) and not month_picker:
                        found.append((f"{module.__name__}.{name}.{field_name}", field))
    return found


def test_the_walk_finds_the_date_fields_of_the_school_and_bureau_forms():
    where = {w for w, _ in _date_widgets()}
    assert "afterschool.forms.DailyReportForm.date" in where
    assert "homework.forms.DayForm.date" in where
    assert len(where) >= 8


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_input_renders_its_value_in_iso(language):
    with translation.override(language):
        for where, field in _date_widgets():
            is_datetime = isinstance(field, forms.DateTimeField)
            html = field.widget.render("d", MOMENT if is_datetime else DAY)
            assert 'value="2026-12-04' in html, f"{where} renders {html}"


@pytest.mark.django_db
def test_the_after_school_report_form_comes_up_with_today_filled_in(client, school_user, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DAY)
    client.force_login(school_user)
    html = client.get(reverse("afterschool:report")).content.decode()
    assert 'type="date" name="date" value="2026-12-04"' in html
    assert "2026/12/04" not in html


@pytest.mark.django_db
def test_a_date_typed_the_chinese_way_is_still_accepted():
    from afterschool.forms import DailyReportForm

    with translation.override("zh-hans"):
        form = DailyReportForm({"date": "2026/12/04"})
        form.is_valid()
        assert "date" not in form.errors
        assert form.cleaned_data["date"] == DAY
