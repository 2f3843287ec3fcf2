"""The Celery app as the Redis fault tests start it: the project's app on a queue of the test's own.

``celery -A tests.security.fault_worker_app worker -Q <queue>`` with ``TEST_CELERY_QUEUE`` set to the
queue the test sends to, so the tasks the worker sends itself (a run's parts) stay on that queue too.
"""

import os

from shuangjian.celery import app

app.conf.task_default_queue = os.environ["TEST_CELERY_QUEUE"]

__all__ = ["app"]
