"""The prepaid-funds parameters (custody_min_ratio, refund_working_days), added to the defaults of compliance 0002
and loaded again here."""

import importlib

from django.db import migrations


def load(apps, schema_editor):
    importlib.import_module("compliance.migrations.0002_default_parameters").load(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial"), ("compliance", "0011_notice_reminders")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
