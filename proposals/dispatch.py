"""Sending the proposer's mails to the Celery workers after commit. Best effort: what is to be
sent is recorded on the row, and the sweep (``proposals_mail_sweep_task``) sends what a lost
message, an absent broker or an absent SMTP server left unsent."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from . import services
from .tasks import proposal_outcome_send_task, proposal_receipt_send_task

logger = logging.getLogger(__name__)


def _send(task, proposal_id: int) -> None:
    try:
        task.delay(proposal_id)
    except Exception:
        logger.exception("proposals: could not send mail for %s; the sweep will", proposal_id)


def receipt_request(proposal_id: int) -> None:
    transaction.on_commit(lambda: _send(proposal_receipt_send_task, proposal_id))


def outcome_request(proposal_id: int) -> None:
    transaction.on_commit(lambda: _send(proposal_outcome_send_task, proposal_id))


def outcomes_for_events(event_ids: Sequence[int]) -> None:
    """After an event changed (maybe published): tell the proposers whose outcome is now due."""
    for pk in services.outcomes_due_for_events(event_ids):
        _send(proposal_outcome_send_task, pk)
