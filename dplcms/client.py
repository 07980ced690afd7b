"""HTTP to dpl-cms: the two calls its event integration offers (``spec/``), with timeouts and
retries with backoff for 5xx answers and timeouts (urllib3's ``Retry``). The list is parsed as
it streams in (ijson), one instance at a time, so a large library's thousands of instances are
never held as one document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import ijson
import requests
from django.conf import settings
from django.utils.translation import gettext as _
from ijson.common import ObjectBuilder
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

EVENTS_PATH = "/api/v1/events"
RETRY_STATUSES = (500, 502, 503, 504)


class DplError(Exception):
    """The website could not be read or written; the message says why, in words."""


class DplAuthError(DplError):
    """401 or 403: the Drupal user is wrong, or lacks its role."""


class DplUnavailable(DplError):
    """5xx or no answer, still after the retries."""


class DplMalformed(DplError):
    """The answer is not a JSON list."""


class DplClient:
    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        timeout: float = 30,
        retries: int = 4,
        backoff: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({"Accept": "application/json"})
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "PATCH"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @classmethod
    def from_settings(cls) -> DplClient:
        return cls(
            base_url=settings.DPL_CMS_URL,
            username=settings.DPL_CMS_USERNAME,
            password=settings.DPL_CMS_PASSWORD,
            timeout=settings.DPL_CMS_TIMEOUT_SECONDS,
            backoff=float(getattr(settings, "DPL_CMS_RETRY_BACKOFF", 1.0)),
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise DplUnavailable(
                _("The website did not answer (%(error)s), also after retries.")
                % {"error": type(exc).__name__}
            ) from exc
        if response.status_code in (401, 403):
            response.close()
            raise DplAuthError(
                _(
                    "The website refused the login (HTTP %(status)d): check the dpl-cms user "
                    "(DPL_CMS_USERNAME, DPL_CMS_PASSWORD) and its role."
                )
                % {"status": response.status_code}
            )
        if response.status_code >= 500:
            response.close()
            raise DplUnavailable(
                _("The website answered HTTP %(status)d, also after retries.")
                % {"status": response.status_code}
            )
        return response

    def events(self, *, from_date: date | None = None) -> Iterator[Any]:
        """Every published instance, one JSON value at a time, as the list streams in."""
        params = {"_format": "json"}
        if from_date is not None:
            params["from_date"] = from_date.isoformat()
        response = self._request("GET", EVENTS_PATH, params=params, stream=True)
        with response:
            if response.status_code != 200:
                raise DplError(
                    _("The event list answered HTTP %(status)d.") % {"status": response.status_code}
                )
            response.raw.decode_content = True
            try:
                yield from _list_items(ijson.parse(response.raw, use_float=True))
            except ijson.JSONError as exc:
                raise DplMalformed(
                    _("The event list is not valid JSON (%(error)s); nothing was changed.")
                    % {"error": exc}
                ) from exc
            except requests.RequestException as exc:  # the stream broke off
                raise DplUnavailable(
                    _("The event list broke off (%(error)s); nothing was changed.") % {"error": exc}
                ) from exc

    def patch(self, *, uuid: str, body: dict[str, Any]) -> None:
        """Write ``state`` and/or ``external_data`` of one instance."""
        response = self._request(
            "PATCH", f"{EVENTS_PATH}/{uuid}", params={"_format": "json"}, json=body
        )
        with response:
            if response.status_code not in (200, 204):
                raise DplError(
                    _("Writing back to instance %(uuid)s answered HTTP %(status)d.")
                    % {"uuid": uuid, "status": response.status_code}
                )


def _list_items(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """The items of a top-level JSON list, each built on its own from the parser's events. An
    answer that is not a list is refused (it must never read as "no events": that would cancel
    every imported event)."""
    first = next(events, None)
    if first is None or first[:2] != ("", "start_array"):
        raise DplMalformed(_("The event list is not a JSON list; nothing was changed."))
    builder: ObjectBuilder | None = None
    depth = 0
    for _prefix, event, value in events:
        if builder is None:
            if depth == 0 and event == "end_array":
                return
            builder = ObjectBuilder()
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            yield builder.value
            builder = None
    raise DplMalformed(_("The event list ends before its closing bracket; nothing was changed."))
