from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    NINE_YEAR = "nine_year", _("九年一贯制")
    COMPLETE = "complete", _("完全中学")


class GradeBand(models.TextChoices):
    G12 = "G12", _("1–2年级")
    G36 = "G36", _("3–6年级")
    G79 = "G79", _("7–9年级")


def grade_band(grade: int) -> GradeBand:
    """Beijing is 6+3: grades 1–2, 3–6 and 7–9 have different homework limits."""
    if grade <= 2:
        return GradeBand.G12
    if grade <= 6:
        return GradeBand.G36
    return GradeBand.G79


#: grade range of each band, for SQL filters
GRADE_BANDS = {GradeBand.G12: (1, 2), GradeBand.G36: (3, 6), GradeBand.G79: (7, 9)}


class VacationKind(models.TextChoices):
    WINTER = "winter", _("寒假")
    SUMMER = "summer", _("暑假")


class TermName(models.TextChoices):
    AUTUMN = "autumn", _("第一学期（秋季）")
    SPRING = "spring", _("第二学期（春季）")


class StatutoryDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    MAKEUP = "makeup", _("调休上班日")


class TeacherStatus(models.TextChoices):
    """A rostered teacher's serving status (任职状态)."""

    SERVING = "serving", _("在职")
    LEFT = "left", _("离职")
    RETIRED = "retired", _("退休")


class Subject(models.TextChoices):
    """The compulsory-education subjects, one list for homework and for institutions' courses."""

    MORALITY_LAW = "morality_law", _("道德与法治")
    CHINESE = "chinese", _("语文")
    MATHS = "maths", _("数学")
    ENGLISH = "english", _("英语")
    JAPANESE = "japanese", _("日语")
    RUSSIAN = "russian", _("俄语")
    HISTORY = "history", _("历史")
    GEOGRAPHY = "geography", _("地理")
    PHYSICS = "physics", _("物理")
    CHEMISTRY = "chemistry", _("化学")
    BIOLOGY = "biology", _("生物")
    SCIENCE = "science", _("科学")
    IT = "it", _("信息科技")
    PE = "pe", _("体育与健康")
    ARTS = "arts", _("艺术")
    MUSIC = "music", _("音乐")
    FINE_ARTS = "fine_arts", _("美术")
    LABOUR = "labour", _("劳动")
    PRACTICE = "practice", _("综合实践活动")


#: subject-type (学科类) subjects per RULES.md (MoE notice of 2021-07-28): the rest are non-subject
SUBJECT_TYPE = frozenset(
    {
        Subject.MORALITY_LAW,
        Subject.CHINESE,
        Subject.MATHS,
        Subject.ENGLISH,
        Subject.JAPANESE,
        Subject.RUSSIAN,
        Subject.HISTORY,
        Subject.GEOGRAPHY,
        Subject.PHYSICS,
        Subject.CHEMISTRY,
        Subject.BIOLOGY,
    }
)
#: foreign languages: all foreign-language training is handled by the education bureau (Art. 28)
FOREIGN_LANGUAGES = frozenset({Subject.ENGLISH, Subject.JAPANESE, Subject.RUSSIAN})


def is_subject_type(subject: str) -> bool:
    return subject in SUBJECT_TYPE
