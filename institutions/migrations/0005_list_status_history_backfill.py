"""Give every listed institution without a list history the change that listed it.

TI-18-BLACKLIST reads the dated history (``ListStatusChange``). Institutions registered before the history was
kept have only ``list_status`` / ``list_status_since``: record that as their first change, so a later change
(lifting the listing) does not hide the period they were listed. Rows without a listing date are left alone:
their date is unknown.
"""

from django.db import migrations

REASON = "启用名单历史前的登记（生效日期取自机构登记的列入日期）"


def backfill(apps, schema_editor):
    Institution = apps.get_model("institutions", "Institution")
    ListStatusChange = apps.get_model("institutions", "ListStatusChange")
    rows = (
        Institution.objects.exclude(list_status="none")
        .filter(list_status_since__isnull=False, list_changes__isnull=True)
        .values_list("pk", "list_status", "list_status_since")
    )
    ListStatusChange.objects.bulk_create(
        [
            ListStatusChange(institution_id=pk, from_status="none", to_status=status, effective_on=since, reason=REASON)
            for pk, status, since in rows.iterator()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0004_session_class_group"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
