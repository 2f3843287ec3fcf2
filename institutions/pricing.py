"""The government guide price (政府指导价) for subject-type training, from the dated parameters.

Per student per standard class hour (45 minutes offline, 30 online): offline classes of fewer than 10
students 80 yuan, 10–35 students 60, more than 35 students 40; online 20; other lesson lengths are
pro-rated, and the charged price may float up by at most ``guide_price_float``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .choices import SessionMode

STANDARD_MINUTES = {SessionMode.OFFLINE: 45, SessionMode.ONLINE: 30}
PARAM_KEYS = (
    "guide_price_offline_lt10",
    "guide_price_offline_10_35",
    "guide_price_offline_gt35",
    "guide_price_online",
    "guide_price_float",
)


@dataclass(frozen=True)
class GuidePrice:
    benchmark: Decimal  # yuan per standard class hour
    standard_minutes: int
    float_share: Decimal
    max_allowed: Decimal  # for this course's lesson length, float included

    def exceeded_by(self, price: Decimal) -> bool:
        return Decimal(price) > self.max_allowed


def benchmark_key(*, mode: str, class_size: int) -> str:
    if mode == SessionMode.ONLINE:
        return "guide_price_online"
    if class_size < 10:
        return "guide_price_offline_lt10"
    if class_size <= 35:
        return "guide_price_offline_10_35"
    return "guide_price_offline_gt35"


def guide_price(*, mode: str, class_size: int, lesson_minutes: int, params: dict) -> GuidePrice:
    """The guide price for one lesson; ``params`` maps the ``guide_price_*`` keys to their values in force."""
    benchmark = Decimal(str(params[benchmark_key(mode=mode, class_size=class_size)]))
    float_share = Decimal(str(params["guide_price_float"]))
    standard = STANDARD_MINUTES[SessionMode(mode)]
    max_allowed = (benchmark * Decimal(lesson_minutes) / Decimal(standard) * (1 + float_share)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return GuidePrice(benchmark=benchmark, standard_minutes=standard, float_share=float_share, max_allowed=max_allowed)


def guide_params(*, on: dt.date) -> dict:
    """The ``guide_price_*`` parameters in force on ``on`` (one query)."""
    from compliance.parameters import parameter_segments

    return parameter_segments(PARAM_KEYS, on, on)[0][2]
