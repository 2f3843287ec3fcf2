"""A school day filed while it was open, and the clock after it closed (``periods.closing``).

SCHOOL_DAY (a Tuesday) is filed at noon on the day; with the default parameters (20:00, one day's grace) its
homework closes at 20:00 on Wednesday and its after-school report at the end of Wednesday. The tests then run on
Thursday morning: the day is closed.
"""

import datetime as dt

import pytest

from homework.services import homework_file
from tests import clock
from tests import factories as f

SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday of the autumn term
HOMEWORK_CLOSES = clock.local(SCHOOL_DAY + dt.timedelta(days=1), 20, 0)
AFTER_CLOSE = clock.local(SCHOOL_DAY + dt.timedelta(days=2), 9, 0)
#: the header of the homework upload layout (``homework.tabular.COLUMNS``)
HEADER = (
    "班级ID,班级名称（仅供参考）,年级（用于核对班级）,日期,学科,类型,预计完成时间（分钟）,在家完成,布置给家长,"
    "要求家长检查或批改,要求学生自批自改,机械重复或惩罚性,超出课程标准,作业内容\n"
)


@pytest.fixture
def g4(school_a):
    return f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")


@pytest.fixture
def g8(school_a):
    return f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")


@pytest.fixture
def other_class(school_b):
    return f.SchoolClassFactory(school=school_b, grade=4, name="四年级2班")


def item(school_class, day=SCHOOL_DAY, subject="maths", kind="written", minutes=20, **extra):
    return {
        "school_class": school_class.pk,
        "date": day.isoformat(),
        "subject": subject,
        "kind": kind,
        "minutes": minutes,
        **extra,
    }


@pytest.fixture
def filed_day(school_user, g4, g8):
    """SCHOOL_DAY filed on the day: four-one with maths and Chinese, eight-one with physics."""
    with clock.on_day(SCHOOL_DAY):
        homework_file(
            user=school_user,
            items=[
                item(g4, subject="maths", minutes=20, content="口算练习"),
                item(g4, subject="chinese", minutes=15, content="抄写生字"),
                item(g8, subject="physics", minutes=30, content="习题1-5"),
            ],
        )


@pytest.fixture
def closed(filed_day):
    """The clock on Thursday morning: SCHOOL_DAY is closed."""
    with clock.at(AFTER_CLOSE):
        yield
