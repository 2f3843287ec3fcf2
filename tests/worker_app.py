"""The Celery app as test workers start it: the project's app on the test's own queue.

``celery -A tests.worker_app worker -Q <queue>`` with ``TEST_CELERY_QUEUE`` (the
queue the test sends to, so tasks the worker sends itself stay there) and
``TEST_VISIBILITY_TIMEOUT`` (seconds after which an unacknowledged task of a
killed worker is delivered again; short in tests). See ``tests/worker.py``.
"""

import os

from shuangjian.celery import app

app.conf.task_default_queue = os.environ["TEST_CELERY_QUEUE"]
app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "3600")),
}

__all__ = ["app"]
