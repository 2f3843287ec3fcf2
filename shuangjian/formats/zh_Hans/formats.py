"""Input formats of the Chinese interface: ISO dates first.

Django's ``zh_Hans`` locale renders a date field's value as ``2026/12/04``, and an ``<input type="date">``
accepts only ``2026-12-04``: the browser drops any other value, so every date field of every form came up empty
and users retyped the date each time. The first input format is the one a widget renders a value with; the others
stay accepted when a form is posted. Only the input formats are set here: every other format (how a page shows a
date) is Django's.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
]
