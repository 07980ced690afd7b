"""Receivers of the core's notifications. No rules here: they hand over to services."""

from __future__ import annotations

from tasks.dispatch import status_recompute_request


def occurrences_changed(sender, occurrence_ids=(), years=(), **kwargs) -> None:
    status_recompute_request(occurrence_ids=occurrence_ids, years=years)
