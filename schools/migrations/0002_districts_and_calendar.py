"""Beijing's 16 districts (GB/T 2260) and the city's default school calendar.

The calendar rows are the city's published dates for 2024–2026 and the
expected pattern for 2026–2027; city staff correct them in the admin, and a
district can add its own rows to override.
"""

import datetime as dt

from django.db import migrations

DISTRICTS = [
    ("110101", "东城区", "Dongcheng"),
    ("110102", "西城区", "Xicheng"),
    ("110105", "朝阳区", "Chaoyang"),
    ("110106", "丰台区", "Fengtai"),
    ("110107", "石景山区", "Shijingshan"),
    ("110108", "海淀区", "Haidian"),
    ("110109", "门头沟区", "Mentougou"),
    ("110111", "房山区", "Fangshan"),
    ("110112", "通州区", "Tongzhou"),
    ("110113", "顺义区", "Shunyi"),
    ("110114", "昌平区", "Changping"),
    ("110115", "大兴区", "Daxing"),
    ("110116", "怀柔区", "Huairou"),
    ("110117", "平谷区", "Pinggu"),
    ("110118", "密云区", "Miyun"),
    ("110119", "延庆区", "Yanqing"),
]

D = dt.date
TERMS = [
    (2024, "autumn", D(2024, 9, 1), D(2025, 1, 17)),
    (2024, "spring", D(2025, 2, 17), D(2025, 7, 4)),
    (2025, "autumn", D(2025, 9, 1), D(2026, 1, 23)),
    (2025, "spring", D(2026, 3, 2), D(2026, 7, 3)),
    (2026, "autumn", D(2026, 9, 1), D(2027, 1, 22)),
    (2026, "spring", D(2027, 3, 1), D(2027, 7, 2)),
]
VACATIONS = [
    (2024, "winter", D(2025, 1, 18), D(2025, 2, 16)),
    (2024, "summer", D(2025, 7, 5), D(2025, 8, 31)),
    (2025, "winter", D(2026, 1, 24), D(2026, 3, 1)),
    (2025, "summer", D(2026, 7, 4), D(2026, 8, 31)),
    (2026, "winter", D(2027, 1, 23), D(2027, 2, 28)),
    (2026, "summer", D(2027, 7, 3), D(2027, 8, 31)),
]


def load(apps, schema_editor):
    District = apps.get_model("schools", "District")
    Term = apps.get_model("schools", "Term")
    Vacation = apps.get_model("schools", "Vacation")
    for code, name, name_en in DISTRICTS:
        District.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for year, name, start, end in TERMS:
        Term.objects.update_or_create(
            academic_year=year, name=name, district=None, defaults={"starts_on": start, "ends_on": end}
        )
    for year, kind, start, end in VACATIONS:
        Vacation.objects.update_or_create(
            academic_year=year, kind=kind, district=None, defaults={"starts_on": start, "ends_on": end}
        )


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
