"""Settings of the dashboard benchmark's "working day" server (``bench/dashboard_load.py``): the benchmark
settings as production runs them, with

- ``TRUSTED_PROXY_COUNT = 1``: each simulated parent sends its own ``X-Forwarded-For`` and is limited on its own
  (as in ``bench/settings_complaints.py``);
- Celery with the broker at ``CELERY_BROKER_URL`` and a real worker beside the server (started by the
  benchmark): the sweep a filing asks for runs, and the summary tables of its districts and days are refreshed
  after it, as in production.
"""

from bench.settings_bench import *  # noqa: F403

TRUSTED_PROXY_COUNT = 1
CELERY_TASK_ALWAYS_EAGER = False
