"""Settings of the complaint load test's server (``bench/load_complaints.py``): the benchmark settings, and

- ``TRUSTED_PROXY_COUNT = 1``: the server believes the last ``X-Forwarded-For`` hop, as it would behind one
  reverse proxy. Every simulated parent connects from 127.0.0.1, so without this the per-address complaint
  limit (``public_submit``, 10 a minute) would throttle them all together after ten submissions; with it,
  each simulated parent sends its own address and is limited on its own, as real parents are.
- Celery with an in-memory broker and no worker: a homework filing asks for its sweep (a row per school and
  date, and one debounced task sent after commit), as in production, but nothing runs the sweep inside the
  measured requests (``CELERY_TASK_ALWAYS_EAGER`` would run it in the filing's request).
"""

from bench.settings_bench import *  # noqa: F403

TRUSTED_PROXY_COUNT = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
