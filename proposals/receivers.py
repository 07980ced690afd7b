"""Receivers of the core's notifications. No rules here: they hand over to the dispatch."""

from __future__ import annotations

import logging

from . import dispatch

logger = logging.getLogger(__name__)


def events_changed(sender, event_ids=(), **kwargs) -> None:
    """After commit: an event taken in from a proposal may just have been published. Nothing
    may escape (the write is done); the mail sweep catches up what is lost here."""
    try:
        dispatch.outcomes_for_events(event_ids)
    except Exception:
        logger.exception("proposals: could not check the outcomes of events %s", event_ids)
