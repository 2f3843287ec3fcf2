"""A finding's evidence as people read it: each key under its label in the interface's language (Chinese, with
English through the catalogue), codes shown by their names, yes/no for booleans, nested records as small tables.

The rules store evidence as JSON with English keys and codes (``{"mode": "online", "by_subject": {...}}``): that is
what the API returns and the rules compare. The pages show it through ``evidence_rows``; no raw key or JSON reaches
a school's or an institution's screen. A key without a label is shown under "其他信息" (and a test walks the rules'
evidence keys so that does not happen silently).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

#: the label of each evidence key (keys ending in ``_id`` are internal references and are not shown)
LABELS = {
    "abroad": gettext_lazy("身在境外"),
    "account": gettext_lazy("收款账户"),
    "activity": gettext_lazy("活动"),
    "activity_kind": gettext_lazy("活动类型"),
    "amount": gettext_lazy("金额（元）"),
    "approved_on": gettext_lazy("审批日期"),
    "at_home": gettext_lazy("在家完成"),
    "benchmark": gettext_lazy("基准价（元）"),
    "beyond_standard": gettext_lazy("超出课标"),
    "by_subject": gettext_lazy("各科时长（分钟）"),
    "capital_raised": gettext_lazy("资本化融资"),
    "category": gettext_lazy("类别"),
    "certificate_no": gettext_lazy("教师资格证号"),
    "class": gettext_lazy("班级"),
    "class_group": gettext_lazy("班组"),
    "class_hours": gettext_lazy("课时数"),
    "class_size": gettext_lazy("班额"),
    "classes_taught": gettext_lazy("授课班数"),
    "complaint": gettext_lazy("投诉查询码"),
    "compulsory": gettext_lazy("强制参加"),
    "content": gettext_lazy("内容"),
    "content_grade": gettext_lazy("内容对应年级"),
    "counted": gettext_lazy("计入时长（分钟）"),
    "course": gettext_lazy("课程"),
    "courses": gettext_lazy("课程"),
    "credit_code": gettext_lazy("统一社会信用代码"),
    "cutoff_with_grace": gettext_lazy("宽限截止时间"),
    "date": gettext_lazy("日期"),
    "day_kind": gettext_lazy("日期类型"),
    "deadline": gettext_lazy("截止时间"),
    "decided_at": gettext_lazy("复核时间"),
    "decision": gettext_lazy("复核结果"),
    "department": gettext_lazy("承办部门"),
    "disclosed": gettext_lazy("已公示"),
    "earliest_end": gettext_lazy("最早结束时间"),
    "end_time": gettext_lazy("结束时间"),
    "ends_at": gettext_lazy("结束时间"),
    "enrolled": gettext_lazy("在校生人数"),
    "enrolment_opens_on": gettext_lazy("开始招生日期"),
    "extended_care": gettext_lazy("提供延时托管"),
    "filed_at": gettext_lazy("填报时间"),
    "filed_late": gettext_lazy("逾期填报"),
    "filed_on": gettext_lazy("备案日期"),
    "filings": gettext_lazy("备案记录"),
    "findings": gettext_lazy("检查发现"),
    "float": gettext_lazy("上浮比例"),
    "for_parents": gettext_lazy("要求家长完成或批改"),
    "foreign_controlled": gettext_lazy("外资控股或VIE"),
    "gap_minutes": gettext_lazy("课间间隔（分钟）"),
    "grade": gettext_lazy("年级"),
    "headcount": gettext_lazy("人数"),
    "in_china": gettext_lazy("在境内"),
    "inspection": gettext_lazy("检查"),
    "inspectors": gettext_lazy("检查人员"),
    "institution": gettext_lazy("培训机构"),
    "institution_district": gettext_lazy("机构所在区"),
    "issued_on": gettext_lazy("下发日期"),
    "item": gettext_lazy("项目"),
    "items": gettext_lazy("作业明细"),
    "kind": gettext_lazy("类型"),
    "label": gettext_lazy("项目"),
    "latest_end": gettext_lazy("最晚结束时间"),
    "left_on": gettext_lazy("离职日期"),
    "lesson_minutes": gettext_lazy("每课时长（分钟）"),
    "licence_no": gettext_lazy("办学许可证号"),
    "licence_status": gettext_lazy("许可证状态"),
    "limit": gettext_lazy("上限（分钟）"),
    "list_status": gettext_lazy("名单状态"),
    "listed": gettext_lazy("上市"),
    "listed_on": gettext_lazy("列入日期"),
    "max_allowed": gettext_lazy("最高允许价格（元）"),
    "max_grade": gettext_lazy("最高年级"),
    "max_hours": gettext_lazy("课时上限"),
    "max_minutes": gettext_lazy("时长上限（分钟）"),
    "max_months": gettext_lazy("月数上限"),
    "measured": gettext_lazy("实测时长（分钟）"),
    "measured_subjects": gettext_lazy("实测科目"),
    "min_gap_minutes": gettext_lazy("最短间隔（分钟）"),
    "min_grade": gettext_lazy("最低年级"),
    "minimum": gettext_lazy("最低要求（分钟）"),
    "minutes": gettext_lazy("时长（分钟）"),
    "missing": gettext_lazy("缺少项目"),
    "mode": gettext_lazy("授课方式"),
    "months": gettext_lazy("月数"),
    "n": gettext_lazy("序号"),
    "name": gettext_lazy("姓名"),
    "no_work_permit": gettext_lazy("无工作许可证"),
    "nonprofit": gettext_lazy("非营利性"),
    "note": gettext_lazy("说明"),
    "notice": gettext_lazy("整改通知"),
    "occurred_on": gettext_lazy("发生日期"),
    "outcome": gettext_lazy("办理结果"),
    "overlap": gettext_lazy("重叠时段"),
    "overlap_minutes": gettext_lazy("重叠时长（分钟）"),
    "paid_on": gettext_lazy("缴费日期"),
    "parent_grading": gettext_lazy("要求家长批改"),
    "participants": gettext_lazy("参加人数"),
    "pe_minutes": gettext_lazy("体育活动时长（分钟）"),
    "photo": gettext_lazy("照片"),
    "photos": gettext_lazy("照片"),
    "place": gettext_lazy("地点"),
    "previous_session": gettext_lazy("上一节课"),
    "price_per_lesson": gettext_lazy("每课时价格（元）"),
    "problems": gettext_lazy("问题"),
    "provider": gettext_lazy("服务提供方"),
    "provider_category": gettext_lazy("提供方类别"),
    "provider_credit_code": gettext_lazy("提供方统一社会信用代码"),
    "punitive": gettext_lazy("惩罚性作业"),
    "reason": gettext_lazy("原因"),
    "reason_label": gettext_lazy("原因"),
    "reasons": gettext_lazy("原因"),
    "received_on": gettext_lazy("收到日期"),
    "reports": gettext_lazy("整改报告数"),
    "result": gettext_lazy("检查结果"),
    "returns": gettext_lazy("退回次数"),
    "rule": gettext_lazy("规则"),
    "school": gettext_lazy("学校"),
    "school_code": gettext_lazy("学校代码"),
    "school_district": gettext_lazy("学校所在区"),
    "school_hours": gettext_lazy("在校时间"),
    "self_grading": gettext_lazy("要求学生自批自改"),
    "serving_on": gettext_lazy("在职核对日期"),
    "session": gettext_lazy("课次"),
    "site": gettext_lazy("培训场所"),
    "source": gettext_lazy("来源"),
    "stage1_minutes": gettext_lazy("第一阶段体育时长（分钟）"),
    "standard_minutes": gettext_lazy("标准课时长（分钟）"),
    "starts_at": gettext_lazy("开始时间"),
    "state": gettext_lazy("状态"),
    "status": gettext_lazy("状态"),
    "subject": gettext_lazy("科目"),
    "submitted_at": gettext_lazy("提交时间"),
    "supervised": gettext_lazy("进入监管账户"),
    "target": gettext_lazy("投诉对象"),
    "teacher": gettext_lazy("教师"),
    "term": gettext_lazy("学期"),
    "term_ends_on": gettext_lazy("学期结束日期"),
    "term_starts_on": gettext_lazy("学期开始日期"),
    "time": gettext_lazy("时间"),
    "title": gettext_lazy("标题"),
    "total": gettext_lazy("合计（分钟）"),
    "trainer": gettext_lazy("培训人员"),
    "where": gettext_lazy("地点"),
    "work_permit_no": gettext_lazy("工作许可证号"),
    "working_days": gettext_lazy("工作日数"),
}

#: codes stored as values, by name, whatever the key (the rules' own short codes; the choices' labels come from the
#: apps' choices below)
VALUE_LABELS = {
    "enrolment": gettext_lazy("招生"),
    "training": gettext_lazy("培训"),
    "serving": gettext_lazy("在职"),
    "left": gettext_lazy("已离职"),
    "overdue": gettext_lazy("逾期未整改"),
    "returned_twice": gettext_lazy("整改报告两次被退回"),
    "listed": gettext_lazy("上市"),
    "capital_raised": gettext_lazy("资本化融资"),
    "foreign_controlled": gettext_lazy("外资控股或VIE"),
    "no_work_permit": gettext_lazy("无工作许可证号"),
    "abroad": gettext_lazy("身在境外"),
}

#: a ``<key>_label`` beside ``<key>`` already names the code: the label is shown under the key's title
LABEL_SUFFIXES = ("_label", "_zh")
UNKNOWN = gettext_lazy("其他信息")
#: the columns of a table of records, the names first (JSON keeps no order of its own)
COLUMN_ORDER = ["name", "subject", "course", "content", "kind", "minutes", "counted", "measured", "at_home"]


def _choice_labels() -> dict[str, dict[str, str]]:
    """The choices whose codes appear as evidence values, by evidence key."""
    from homework.choices import HomeworkKind
    from institutions.choices import Category, DisclosureItem, LicenceStatus, ListStatus, Mode, SessionMode
    from schools.choices import Subject, TeacherStatus

    from .choices import ReportDecision

    def labels(*choices):
        out: dict[str, str] = {}
        for c in choices:
            out.update({value: label for value, label in c.choices})
        return out

    return {
        "kind": labels(HomeworkKind),
        "mode": labels(Mode, SessionMode),
        "category": labels(Category),
        "licence_status": labels(LicenceStatus),
        "list_status": labels(ListStatus),
        "subject": labels(Subject),
        "status": labels(TeacherStatus),
        "decision": labels(ReportDecision),
        "item": labels(DisclosureItem),
    }


@dataclass
class Row:
    label: str
    value: str = ""
    #: a list of records (homework items, courses) shown as a table: its column titles and rows
    columns: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)


def label_of(key: str) -> str:
    return str(LABELS.get(key, UNKNOWN))


def _hidden(key: str, record: dict) -> bool:
    """Internal ids, and a code whose readable label sits beside it."""
    if key == "id" or key.endswith("_id"):
        return True
    if "label" in record and key != "label":
        # a record with its own label (an item missing from a disclosure) is read by that label
        return True
    return any(f"{key}{suffix}" in record for suffix in LABEL_SUFFIXES)


def _base_key(key: str) -> str:
    for suffix in LABEL_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in LABELS:
            return key[: -len(suffix)]
    return key


def readable(value, *, key: str = "", choices=None) -> str:
    """One value as text: yes/no, dates and times without ISO noise, codes by their names, lists joined."""
    choices = choices if choices is not None else _choice_labels()
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if key in choices and value in choices[key]:
            return str(choices[key][value])
        if value in VALUE_LABELS:
            return str(VALUE_LABELS[value])
        if len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                return value
        return value
    if isinstance(value, list):
        return "、".join(readable(v, key=key, choices=choices) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(
            f"{label_of(_base_key(k)) if _base_key(k) in LABELS else k}：{readable(v, key=_base_key(k), choices=choices)}"
            for k, v in value.items()
            if not _hidden(k, value)
        )
    return str(value)


def _by_subject(value: dict) -> bool:
    """``{"数学": 70, "语文": 20}``: keys that are names themselves (Chinese subject names), not codes."""
    return all(not k.isascii() for k in value)


def evidence_rows(evidence) -> list[Row]:
    """The evidence as rows to show: a label and a readable value, or a small table for a list of records."""
    if not isinstance(evidence, dict):
        return [Row(label=str(UNKNOWN), value=readable(evidence))]
    choices = _choice_labels()
    rows: list[Row] = []
    for key, value in evidence.items():
        if _hidden(key, evidence):
            continue
        base = _base_key(key)
        label = label_of(base)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            keys: list[str] = []
            for record in value:
                keys += [_base_key(k) for k in record if not _hidden(k, record) and _base_key(k) not in keys]
            keys.sort(key=lambda k: COLUMN_ORDER.index(k) if k in COLUMN_ORDER else len(COLUMN_ORDER))
            table = []
            for record in value:
                by_base = {_base_key(k): v for k, v in record.items() if not _hidden(k, record)}
                table.append([readable(by_base.get(k), key=k, choices=choices) for k in keys])
            rows.append(Row(label=label, columns=[label_of(k) for k in keys], table=table))
        elif isinstance(value, dict) and value and _by_subject(value):
            rows.append(Row(label=label, value="；".join(f"{k} {readable(v)}" for k, v in value.items())))
        else:
            rows.append(Row(label=label, value=readable(value, key=base, choices=choices)))
    return rows


def evidence_text(evidence) -> str:
    """The evidence in one cell of a workbook: ``label：value`` lines."""
    lines = []
    for row in evidence_rows(evidence):
        if row.columns:
            for record in row.table:
                lines.append(
                    f"{row.label}：" + "；".join(f"{c} {v}" for c, v in zip(row.columns, record, strict=False))
                )
        else:
            lines.append(f"{row.label}：{row.value}")
    return "\n".join(lines)


# -- the history of a finding -------------------------------------------------------------------------------------

#: how a sweep labels its events (``compliance.services.runs``: ``run <pk>``)
RUN_LABEL = re.compile(r"^run (\d+)$")


def run_number(actor_label: str) -> int | None:
    """The compliance run behind a system event, from its actor label (``"run 12"``), or None."""
    match = RUN_LABEL.match(actor_label or "")
    return int(match.group(1)) if match else None


def reason_text(reason: str, *, language: str | None = None) -> str:
    """A history reason in the interface's language. The sweeps and older writes stored both languages in one
    text (``"检查发现 / found by a sweep"``): the part in the other language is dropped."""
    language = language or get_language() or "zh-hans"
    if not reason or " / " not in reason:
        return reason or ""
    zh, _sep, en = reason.partition(" / ")
    if not zh.strip() or zh.isascii() or not en.isascii():
        return reason
    return en.strip() if language.startswith("en") else zh.strip()
