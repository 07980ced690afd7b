"""Helpers of the proposal tests: a valid form submission, shown a minute ago."""

from __future__ import annotations

import time

from proposals import guards

DISTINCT = {
    "title": "Strikkecafé for nybegyndere",
    "description": "Vi mødes og strikker sammen; Zyxwq-forklaring af masker.",
    "name": "Foreningen Qwertzuiop",
    "email": "qwertzuiop.kontakt@example.org",
    "phone": "+45 98 76 54 31",
    "preferred_dates": "Tirsdage i marts, Plumbago-aftener",
}


def form_data(branch, **overrides) -> dict:
    data = {
        "title": DISTINCT["title"],
        "description": DISTINCT["description"],
        "proposer_kind": "association",
        "name": DISTINCT["name"],
        "branch": str(branch.pk),
        "preferred_dates": DISTINCT["preferred_dates"],
        "email": DISTINCT["email"],
        "phone": DISTINCT["phone"],
        "needs_room": "on",
        guards.HONEYPOT: "",
        guards.STAMP_FIELD: guards.form_stamp(time.time() - 60),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_proposal(branch, **overrides):
    """A proposal saved through the service, as the form makes it."""
    from proposals import services

    fields = {
        "title": DISTINCT["title"],
        "description": DISTINCT["description"],
        "proposer_kind": "association",
        "name": DISTINCT["name"],
        "branch": branch,
        "email": DISTINCT["email"],
        "phone": DISTINCT["phone"],
        "preferred_dates": DISTINCT["preferred_dates"],
    }
    fields.update(overrides)
    return services.proposal_submit(**fields)
