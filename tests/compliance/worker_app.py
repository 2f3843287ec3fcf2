"""The Celery app as the worker tests start it: the project's app plus the test-only rules.

``celery -A tests.compliance.worker_app worker -Q <queue>`` with
``TEST_CELERY_QUEUE`` (the queue the test sends to, so tasks the worker sends
itself stay there) and ``TEST_VISIBILITY_TIMEOUT`` (seconds after which an
unacknowledged task of a killed worker is delivered again; short in tests).
"""

import os

from shuangjian.celery import app
from tests.compliance import testrules

testrules.register()

app.conf.task_default_queue = os.environ["TEST_CELERY_QUEUE"]
app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "3600")),
}

__all__ = ["app"]
