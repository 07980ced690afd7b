"""Thin Celery entry points of proposals: take ids, call one service, retry on database
errors (STYLE.md). Reached through ``proposals.dispatch``, and by beat (tasks/schedule.py)."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from . import services

logger = logging.getLogger(__name__)
RETRY = {
    "autoretry_for": (OperationalError, SMTPException, OSError),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY)
def proposal_receipt_send_task(proposal_id: int) -> bool:
    return services.proposal_receipt_send(proposal_id=proposal_id)


@shared_task(**RETRY)
def proposal_outcome_send_task(proposal_id: int) -> bool:
    return services.proposal_outcome_send(proposal_id=proposal_id)


@shared_task(acks_late=True)
def proposals_mail_sweep_task() -> dict:
    """Send the receipts and outcomes a lost message or an absent SMTP server left unsent."""
    due = services.proposals_mail_due()
    sends = {"receipts": services.proposal_receipt_send, "outcomes": services.proposal_outcome_send}
    sent = {"receipts": 0, "outcomes": 0}
    for kind, send in sends.items():
        for pk in due[kind]:
            try:
                sent[kind] += bool(send(proposal_id=pk))
            except (SMTPException, OSError):  # released for the next sweep
                logger.warning("proposals: could not send the %s of %s", kind, pk, exc_info=True)
    return sent


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def proposals_erase_task() -> int:
    """Daily: erase contact details PROPOSAL_RETENTION_DAYS after the decision."""
    return services.proposals_erase()
