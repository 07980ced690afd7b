"""Thin Celery entry points of proposals: take ids, call one service, retry on database
errors (STYLE.md). Reached through ``proposals.dispatch``, and by beat (tasks/schedule.py)."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from . import services

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
    sent = {"receipts": 0, "outcomes": 0}
    for pk in due["receipts"]:
        sent["receipts"] += bool(services.proposal_receipt_send(proposal_id=pk))
    for pk in due["outcomes"]:
        sent["outcomes"] += bool(services.proposal_outcome_send(proposal_id=pk))
    return sent


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def proposals_erase_task() -> int:
    """Daily: erase contact details PROPOSAL_RETENTION_DAYS after the decision."""
    return services.proposals_erase()
