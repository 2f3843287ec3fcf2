"""The Celery app as the compliance worker tests start it: ``tests.worker_app`` plus the test-only rules.

``celery -A tests.compliance.worker_app worker -Q <queue>``; the environment is
that of ``tests.worker_app``.
"""

from tests.compliance import testrules
from tests.worker_app import app

testrules.register()

__all__ = ["app"]
