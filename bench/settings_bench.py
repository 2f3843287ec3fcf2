"""Settings of the dashboard benchmark server: the project's settings with a URLconf that adds a trivial view."""

from shuangjian.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
