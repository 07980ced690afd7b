"""The mails to the proposer: the receipt with the private link, and the outcome. In the
language they proposed in, as plain text with an HTML alternative; every text they wrote is
escaped in the HTML by the templates."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Proposal


def _send(proposal: Proposal, *, subject: str, template: str, context: dict) -> None:
    context = {"proposal": proposal, "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"proposals/mail/{template}.txt", context)
    html = render_to_string(f"proposals/mail/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[proposal.email])
    message.attach_alternative(html, "text/html")
    message.send()


def receipt_send(proposal: Proposal, *, follow_url: str) -> None:
    with translation.override(proposal.language):
        _send(
            proposal,
            subject=_("We have received your proposal: %(title)s") % {"title": proposal.title},
            template="receipt",
            context={"follow_url": follow_url},
        )


def outcome_send(proposal: Proposal, *, follow_url: str) -> None:
    with translation.override(proposal.language):
        event_url = ""
        if proposal.event is not None and proposal.status == Proposal.Status.TAKEN_IN:
            event_url = f"{settings.SITE_URL}{proposal.event.get_absolute_url()}"
        subject = (
            _("Your proposal is in the calendar: %(title)s")
            if event_url
            else _("About your proposal: %(title)s")
        ) % {"title": proposal.title}
        _send(
            proposal,
            subject=subject,
            template="outcome",
            context={"follow_url": follow_url, "event_url": event_url},
        )
