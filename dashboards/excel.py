"""Excel exports (openpyxl): every table of a dashboard, and a filtered findings list.

The workbook holds the same numbers the page and the API show: it is built
from the same selector output, one sheet per table. Every row is written by ``shuangjian.exports`` (names are
never written as formulas).
"""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shuangjian import exports

from . import labels

BOLD = Font(bold=True)


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title=title[:31])
    exports.sheet_append(ws, header)
    for cell in ws[1]:
        cell.font = BOLD
    for row in rows:
        exports.sheet_append(ws, row)
    for i, text in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(text)) * 2 + 2))
    ws.freeze_panes = "A2"


def homework_rows(homework: dict, prefix: list | None = None) -> list[list]:
    prefix = prefix or []
    return [
        [
            *prefix,
            labels.BAND.get(b["grade_band"], b["grade_band"]),
            b["expected"],
            b["filed"],
            b["on_time"],
            b["completeness"],
            b["timeliness"],
            b["within_limit"],
            b["within_limit_share"],
            b["avg_minutes"],
            b["p90_minutes"],
        ]
        for b in homework["bands"]
    ]


HOMEWORK_HEADER = [
    "年级段",
    "应填报班级日",
    "已填报",
    "按时填报",
    "填报完整率",
    "填报及时率",
    "未超时班级日",
    "未超时占比",
    "平均书面作业分钟",
    "第90百分位分钟",
]
FILING_HEADER = ["报表", "应报", "实报", "按时", "完整率", "及时率"]
AS_HEADER = [
    "应报学校日",
    "已报",
    "按时",
    "完整率",
    "及时率",
    "报名人数",
    "参加人数",
    "参与率",
    "17:30及以后结束天数",
    "17:30及以后结束占比",
    "平均体育课分钟",
    "平均锻炼分钟（含第一阶段）",
]
AS_KEYS = [
    "expected",
    "reported",
    "on_time",
    "completeness",
    "timeliness",
    "enrolled",
    "participants",
    "participation_rate",
    "ended_after_1730",
    "ended_after_1730_share",
    "avg_pe_minutes",
    "avg_exercise_minutes",
]


def _filing_rows(data: dict) -> list[list]:
    hw, a = data["homework"]["filing"], data["afterschool"]
    return [
        ["作业公示", hw["expected"], hw["filed"], hw["on_time"], hw["completeness"], hw["timeliness"]],
        ["课后服务日报", a["expected"], a["reported"], a["on_time"], a["completeness"], a["timeliness"]],
    ]


def _section_sheets(wb: Workbook, data: dict) -> None:
    """One sheet per section of a dashboard's figures (homework, its trend, filing, after-school, institutions,
    findings, complaints), the headers in Chinese as the bureau's forms name them."""
    _sheet(wb, "作业", HOMEWORK_HEADER, homework_rows(data["homework"]))
    _sheet(
        wb,
        "作业周趋势",
        ["周（周一）", "年级段", "应填报", "已填报", "未超时占比", "平均分钟"],
        [
            [
                w["week"],
                labels.BAND[band],
                w[band]["expected"],
                w[band]["filed"],
                w[band]["within_limit_share"],
                w[band]["avg_minutes"],
            ]
            for w in data["homework"]["weeks"]
            for band in ("G12", "G36", "G79")
            if w.get(band)
        ],
    )
    _sheet(wb, "填报完整及时", FILING_HEADER, _filing_rows(data))
    _sheet(wb, "课后服务", AS_HEADER, [[data["afterschool"][k] for k in AS_KEYS]])
    if "institutions" in data:
        inst = data["institutions"]
        rows = [["机构总数", "", inst["total"]]]
        rows += [["类别", labels.CATEGORY.get(k, k), v] for k, v in inst["by_category"].items()]
        rows += [["办学许可", labels.LICENCE.get(k, k), v] for k, v in inst["by_licence_status"].items()]
        rows += [["黑白名单", labels.LIST_STATUS.get(k, k), v] for k, v in inst["by_list_status"].items()]
        rows += [["被标记的培训课次", f"{s['rule_id']} {s['title']}", s["count"]] for s in inst["sessions_flagged"]]
        rows += [["预收费笔数", "", inst["prepayments"]], ["超限预收费笔数", "", inst["prepayments_over_limit"]]]
        _sheet(wb, "培训机构", ["项目", "分类", "数量"], rows)
    fnd = data["findings"]
    _sheet(
        wb,
        "问题线索",
        ["规则", "名称", "严重程度", "待处理", "已整改或消除", "已驳回"],
        [
            [
                r["rule_id"],
                r["title"],
                labels.SEVERITY.get(r["severity"], r["severity"]),
                r["open"],
                r["cleared"],
                r["dismissed"],
            ]
            for r in fnd["by_rule"]
        ]
        + [["合计", "", "", fnd["open"], fnd["cleared"], fnd["dismissed"]]],
    )
    if "complaints" in data:
        c = data["complaints"]
        rows = [["合计", "", c["received"], c["accepted"], c["resolved"], c["overdue"]]]
        rows += [
            [
                "问题类别",
                labels.COMPLAINT_CATEGORY.get(r["category"], r["category"]),
                r["received"],
                r["accepted"],
                r["resolved"],
                r["overdue"],
            ]
            for r in c["by_category"]
        ]
        rows += [
            [
                "承办部门",
                labels.DEPARTMENT.get(r["department"], r["department"]),
                r["received"],
                r["accepted"],
                r["resolved"],
                r["overdue"],
            ]
            for r in c["by_department"]
        ]
        rows += [["办结用时中位数（工作日）", "", c["median_working_days"], "", "", ""]]
        _sheet(wb, "投诉", ["项目", "分类", "收到", "受理", "办结", "逾期"], rows)
    r = data.get("rectification")
    if r:
        _sheet(
            wb,
            "整改通知",
            ["范围", "下发", "按期整改销号", "逾期", "整改中", "按期整改率"],
            [["合计", r["issued"], r["on_time"], r["overdue"], r["in_progress"], r["on_time_rate"]]]
            + [
                [
                    d["name"],
                    *(d["rectification"][k] for k in ("issued", "on_time", "overdue", "in_progress", "on_time_rate")),
                ]
                for d in data.get("districts", [])
            ],
        )


def dashboard_workbook(data: dict, schools: list[dict] | None = None) -> bytes:
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    scope = data["scope"]
    f = data["filters"]
    for row in [
        ["范围", scope.get("name", "")],
        ["日期从", f["date_from"]],
        ["日期至", f["date_to"]],
        ["学段", labels.STAGE.get(f["stage"], "全部") if f["stage"] else "全部"],
        ["年级段", labels.BAND.get(f["grade_band"], "全部") if f["grade_band"] else "全部"],
        ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]:
        exports.sheet_append(info, row)
    _section_sheets(wb, data)
    if "districts" in data:
        _sheet(
            wb,
            "各区对比",
            [
                "区",
                "作业填报完整率",
                "作业填报及时率",
                "未超时占比(3–6)",
                "课后服务日报完整率",
                "课后服务参与率",
                "待处理线索",
                "已整改线索",
                "收到投诉",
                "逾期投诉",
            ],
            [
                [
                    d["name"],
                    d["homework"]["filing"]["completeness"],
                    d["homework"]["filing"]["timeliness"],
                    next((b["within_limit_share"] for b in d["homework"]["bands"] if b["grade_band"] == "G36"), None),
                    d["afterschool"]["completeness"],
                    d["afterschool"]["participation_rate"],
                    d["findings"]["open"],
                    d["findings"]["cleared"],
                    d["complaints"]["received"],
                    d["complaints"]["overdue"],
                ]
                for d in data["districts"]
            ],
        )
    if schools is not None:
        _sheet(
            wb,
            "各校",
            [
                "学校代码",
                "学校",
                "应填报班级日",
                "已填报",
                "按时",
                "作业完整率",
                "未超时占比",
                "平均书面作业分钟",
                "课后服务日报完整率",
                "参与率",
            ],
            [
                [
                    s["code"],
                    s["name"],
                    s["homework"]["expected"],
                    s["homework"]["filed"],
                    s["homework"]["on_time"],
                    s["homework"]["completeness"],
                    s["homework"]["within_limit_share"],
                    s["homework"]["avg_minutes"],
                    s["afterschool"]["completeness"],
                    s["afterschool"]["participation_rate"],
                ]
                for s in schools
            ],
        )
    return _save(wb)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _who(user) -> str:
    return user.get_username() if user is not None else ""


def report_workbook(report) -> bytes:
    """A district's monthly report (区月报) in the bureau's layout: a cover sheet (district, month, status, who
    froze, submitted and accepted it and when), then one sheet per section of the frozen figures."""
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    exports.sheet_append(cover, [f"{report.district.name}“双减”工作月报（{report.month:%Y年%m月}）"])
    cover["A1"].font = Font(bold=True, size=14)
    for row in [
        [],
        ["区", report.district.name],
        ["区划代码", report.district.code],
        ["月份", f"{report.month:%Y-%m}"],
        ["状态", labels.REPORT_STATE.get(report.state, report.state)],
        ["数据汇总时间", _when(report.frozen_at)],
        ["汇总人", _who(report.frozen_by)],
        ["报送人", _who(report.submitted_by)],
        ["报送时间", _when(report.submitted_at)],
        ["审核通过人", _who(report.accepted_by)],
        ["审核通过时间", _when(report.accepted_at)],
        ["退回理由", report.returned_reason],
        ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]:
        exports.sheet_append(cover, row)
    cover.column_dimensions["A"].width = 16
    cover.column_dimensions["B"].width = 40
    _section_sheets(wb, report.figures)
    return _save(wb)


def findings_workbook(findings) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    from compliance import registry

    rows = []
    for f in findings:
        rule = registry.get_rule(f.rule_id) if registry.is_registered(f.rule_id) else None
        rows.append(
            [
                f.pk,
                f.rule_id,
                rule.title_zh if rule else "",
                labels.SEVERITY.get(rule.severity, "") if rule else "",
                f.district.name,
                f.school.name if f.school_id else "",
                f.school_class.name if f.school_class_id else "",
                f.institution.name if f.institution_id else "",
                f.period_start,
                f.get_status_display(),
                f.summary,
                timezone.localtime(f.first_seen).replace(tzinfo=None),
                timezone.localtime(f.last_seen).replace(tzinfo=None),
            ]
        )
    _sheet(
        wb,
        "问题线索",
        [
            "编号",
            "规则",
            "规则名称",
            "严重程度",
            "区",
            "学校",
            "班级",
            "培训机构",
            "日期",
            "状态",
            "摘要",
            "首次发现",
            "最近发现",
        ],
        rows,
    )
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    return exports.workbook_bytes(wb)
