"""Signals the compliance engine sends, so that other apps can follow it without ``compliance`` importing them."""

from django.dispatch import Signal

#: A compliance run has finished (every part done or failed): its findings are final.
#: Sent inside the transaction that records the finish, with ``run`` (the ComplianceRun);
#: receivers that start work elsewhere should wait for the commit (``transaction.on_commit``).
#: It may be sent again for the same run when its parts are counted again (a failed part retried).
run_finished = Signal()

#: Findings or rectification notices changed through a bulk write (``update()``/``bulk_create()``, which send no
#: model signal): a status moved, a notice was issued, answered or decided. Sent inside the writing transaction.
records_changed = Signal()
