"""The default rule parameters, with the values and sources in the rule catalogue (RULES.md)."""

import datetime as dt

from django.db import migrations

MEASURES = "《北京市关于进一步减轻义务教育阶段学生作业负担和校外培训负担的措施》"
PRICE_SOURCE = "《北京市义务教育阶段学科类校外培训收费管理办法(试行)》(2021-12-31印发，2022-02-21施行)"
OPINIONS = dt.date(2021, 7, 24)
PRICES_FROM = dt.date(2022, 2, 21)

DEFAULTS = [
    ("hw_max_minutes_g36", 60, OPINIONS, MEASURES + "第五条：3–6年级书面作业平均完成时间不超过60分钟"),
    ("hw_max_minutes_g79", 90, OPINIONS, MEASURES + "第五条：初中书面作业平均完成时间不超过90分钟"),
    ("hw_filing_deadline", "20:00", OPINIONS, MEASURES + "第四条：作业校内公示制度（本平台默认当日20:00前公示）"),
    ("hw_filing_grace_days", 1, OPINIONS, "本平台默认：公示截止后宽限1天再计为未公示"),
    ("as_min_pe_minutes", 60, OPINIONS, MEASURES + "第八条：保障学生每天校内、校外各1个小时体育活动时间"),
    ("as_min_end_time", "17:30", OPINIONS, MEASURES + "第八条：课后服务结束时间原则上不早于17:30"),
    ("as_filing_grace_days", 1, OPINIONS, "本平台默认：课后服务日报截止后宽限1天"),
    (
        "new_subject_approval_cutoff",
        "2021-07-24",
        OPINIONS,
        MEASURES + "第十二条：不再审批新的面向义务教育阶段学生的学科类校外培训机构",
    ),
    (
        "school_hours",
        {"start": "08:00", "end": "17:30"},
        OPINIONS,
        MEASURES + "第十三条：培训时间不得和中小学校教学时间相冲突",
    ),
    ("offline_latest_end", "20:30", OPINIONS, MEASURES + "第十三条：线下培训结束时间不得晚于20:30"),
    ("online_latest_end", "21:00", OPINIONS, MEASURES + "第十三条：线上培训结束时间不得晚于21:00"),
    ("online_max_lesson_minutes", 30, OPINIONS, MEASURES + "第十三条：线上培训每课时不超过30分钟"),
    ("online_min_gap_minutes", 10, OPINIONS, MEASURES + "第十三条：线上培训课程间隔不少于10分钟"),
    ("guide_price_offline_lt10", 80, PRICES_FROM, PRICE_SOURCE + "：线下10人以下每生每课时基准价80元"),
    ("guide_price_offline_10_35", 60, PRICES_FROM, PRICE_SOURCE + "：线下10–35人每生每课时基准价60元"),
    ("guide_price_offline_gt35", 40, PRICES_FROM, PRICE_SOURCE + "：线下35人以上每生每课时基准价40元"),
    ("guide_price_online", 20, PRICES_FROM, PRICE_SOURCE + "：线上每生每课时基准价20元"),
    ("guide_price_float", 0.10, PRICES_FROM, PRICE_SOURCE + "：上浮不超过10%，下浮不限"),
    ("prepay_max_months", 3, OPINIONS, "国办发〔2018〕80号：不得一次性收取时间跨度超过3个月的费用"),
    ("prepay_max_hours", 60, OPINIONS, "2019年线上培训规定：按课时收费的不得超过60课时"),
    ("custody_min_ratio", 1.0, OPINIONS, "本平台默认：监管账户余额须覆盖未消课时对应的预收费"),
    ("refund_working_days", 10, OPINIONS, "本平台默认：退费申请10个工作日内答复并退款"),
    (
        "complaint_accept_working_days",
        1,
        OPINIONS,
        "本平台默认（《北京市接诉即办工作条例》要求及时响应）：1个工作日内受理",
    ),
    ("complaint_resolve_working_days", 15, OPINIONS, "本平台默认：15个工作日内办结"),
    # rectification deadlines (portal defaults, RULES.md "Rectification"), added by migration 0010
    ("rectify_working_days_serious", 5, OPINIONS, "本平台默认：严重问题5个工作日内整改"),
    ("rectify_working_days_ordinary", 10, OPINIONS, "本平台默认：一般问题10个工作日内整改"),
    ("rectify_working_days_minor", 15, OPINIONS, "本平台默认：轻微问题15个工作日内整改"),
]


def load(apps, schema_editor):
    RuleParameter = apps.get_model("compliance", "RuleParameter")
    for key, value, effective_from, source in DEFAULTS:
        RuleParameter.objects.get_or_create(
            key=key, effective_from=effective_from, defaults={"value": value, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
