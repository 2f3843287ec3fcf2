"""The rectification deadlines' default parameters (added to the defaults of 0002, loaded again here)."""

import importlib

from django.db import migrations


def load(apps, schema_editor):
    importlib.import_module("compliance.migrations.0002_default_parameters").load(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0009_rectification_notices")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
