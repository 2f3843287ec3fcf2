"""District-grain summary tables: after-school days (rebuilt by ``stats_refresh``) and findings (kept by the
triggers of ``0005``)."""

import datetime
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_monthly_report"),
        ("schools", "0003_teacher_serving_status"),
        ("compliance", "0011_notice_reminders"),
    ]

    operations = [
        migrations.CreateModel(
            name="AfterschoolDayStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("primary", "小学"),
                            ("junior", "初中"),
                            ("nine_year", "九年一贯制"),
                            ("complete", "完全中学"),
                        ],
                        max_length=12,
                    ),
                ),
                ("date", models.DateField()),
                ("week", models.DateField()),
                ("expected", models.PositiveIntegerField(default=0)),
                ("reported", models.PositiveIntegerField(default=0)),
                ("on_time", models.PositiveIntegerField(default=0)),
                ("enrolled", models.PositiveBigIntegerField(default=0)),
                ("participants", models.PositiveBigIntegerField(default=0)),
                ("pe_minutes", models.PositiveBigIntegerField(default=0)),
                ("exercise_minutes", models.PositiveBigIntegerField(default=0)),
                ("ended_after_min", models.PositiveIntegerField(default=0)),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="schools.district",
                    ),
                ),
            ],
            options={
                "verbose_name": "区课后服务日统计",
                "verbose_name_plural": "区课后服务日统计",
                "constraints": [
                    models.UniqueConstraint(fields=("district", "date", "stage"), name="dash_asday_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="FindingDayStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rule_id", models.CharField(max_length=32)),
                ("date", models.DateField(null=True)),
                ("status", models.CharField(max_length=24)),
                ("findings", models.IntegerField(default=0)),
                ("first_seen_min", models.DateTimeField(null=True)),
                ("rectify_total", models.DurationField(default=datetime.timedelta(0))),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="schools.district",
                    ),
                ),
            ],
            options={
                "verbose_name": "区问题日统计",
                "verbose_name_plural": "区问题日统计",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("district", "date", "rule_id", "status"),
                        name="dash_findingday_unique",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
    ]
