"""Spam and abuse guards of the public form, without a third-party captcha:

- a honeypot field people do not see (``HONEYPOT``): a bot that fills every field fills it;
- a minimum time on the page: the form carries when it was shown, signed with SECRET_KEY
  (``form_stamp``), and a submission sooner than ``PROPOSAL_MIN_SECONDS`` is refused;
- a rate limit per client address (django-ratelimit, counted in the cache): the address is the
  one django-axes uses, behind ``TRUSTED_PROXY_COUNT`` proxies (settings:
  ``RATELIMIT_IP_META_KEY``), so a client cannot dodge it by writing its own X-Forwarded-For;
- limits on text length (the form's ``max_length``) and on the number of links (``count_links``).
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core import signing
from django_ratelimit.core import get_usage

HONEYPOT = "homepage"
STAMP_FIELD = "shown"
STAMP_SALT = "proposals.form-shown"
STAMP_MAX_AGE = 60 * 60 * 24  # a form kept open longer than a day is shown again
RATE_GROUP = "proposals.submit"
LINK = re.compile(r"https?://|www\.|\[url", re.IGNORECASE)  # a web address, or BBCode's [url]


def form_stamp(now: float | None = None) -> str:
    return signing.dumps(round(now if now is not None else time.time(), 3), salt=STAMP_SALT)


def stamp_age(value: str, now: float | None = None) -> float | None:
    """Seconds since the form was shown; None when the stamp is missing, forged or too old."""
    try:
        shown = float(signing.loads(value or "", salt=STAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    age = (now if now is not None else time.time()) - shown
    return age if 0 <= age <= STAMP_MAX_AGE else None


def too_fast(age: float) -> bool:
    return age < settings.PROPOSAL_MIN_SECONDS


def count_links(*texts: str) -> int:
    return sum(len(LINK.findall(text or "")) for text in texts)


def rate_limited(request, *, increment: bool = False) -> bool:
    """Whether this client address has used up ``PROPOSAL_RATE`` (e.g. 5 accepted proposals
    an hour). ``increment`` counts one more (after a proposal was accepted). Only accepted
    proposals count, so a person correcting a mistyped field is never limited."""
    usage = get_usage(
        request,
        group=RATE_GROUP,
        key="ip",
        rate=settings.PROPOSAL_RATE,
        method="POST",
        increment=increment,
    )
    if usage is None or usage["count"] is None:  # disabled, or the cache is away: fail open
        return False
    return usage["count"] >= usage["limit"] if not increment else usage["should_limit"]
