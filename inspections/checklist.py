"""Which catalogue rules an inspection can check, by what it inspects.

Every rule of the catalogue that is about something an inspector can see on site: a school's rules (its own,
its classes', its teachers') at a school; an institution's rules at an institution, and also at premises not
in the registry (an unlicensed tutoring flat is judged by the training rules: TI-12-UNLICENSED first); a
serving teacher found tutoring for pay (TE-26-PAID) at either. Left out: the district's own rules (complaint
handling, CP-18-*) and RX-OVERDUE, which the rectification loop raises about itself.
"""

from __future__ import annotations

from collections import defaultdict

from compliance import registry

from .choices import SubjectType

#: the subject kinds of rules (``compliance.choices.SubjectKind``) an inspection of each subject type may find
FITTING_SUBJECTS = {
    SubjectType.SCHOOL: frozenset({"school", "class", "teacher"}),
    SubjectType.INSTITUTION: frozenset({"institution", "teacher"}),
    SubjectType.PLACE: frozenset({"institution", "teacher"}),
}
#: rules about the supervision itself, never found on site
NOT_INSPECTABLE = frozenset({"RX-OVERDUE"})


def inspectable(rule) -> bool:
    return rule.id not in NOT_INSPECTABLE and rule.subject != "district"


def fits(rule, subject_type: str | None) -> bool:
    """Whether an inspection of ``subject_type`` (None: not chosen yet) may record ``rule``."""
    if not inspectable(rule):
        return False
    return subject_type is None or rule.subject in FITTING_SUBJECTS[SubjectType(subject_type)]


def checklist_rules(subject_type: str | None = None) -> list:
    """The rules an inspection of ``subject_type`` may record, ordered by article, case rules first."""
    rules = [r for r in registry.all_rules() if fits(r, subject_type)]
    return sorted(rules, key=lambda r: (r.article, r.kind != "case", r.id))


def checklist_groups(subject_type: str | None = None) -> list[tuple[int, list]]:
    """``checklist_rules`` grouped by article: ``[(article, [rule, ...]), ...]``."""
    groups: dict[int, list] = defaultdict(list)
    for rule in checklist_rules(subject_type):
        groups[rule.article].append(rule)
    return sorted(groups.items())
