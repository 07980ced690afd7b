"""A real SMTP server for the mail tests (aiosmtpd), on a spare port, one per test.

``smtp_server`` (a fixture in tests/conftest.py) starts it and points Django's SMTP backend at it;
``smtp_server.messages`` holds what it received, parsed with the standard library's e-mail
parser, so a test reads mails back as a mail client would.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


@dataclass
class _Collector:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[arg-type]
        )
        return "250 Message accepted for delivery"


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    """A started aiosmtpd server; ``stop()`` ends it."""

    def __init__(self) -> None:
        self._collector = _Collector()
        self.host = "127.0.0.1"
        self.port = spare_port()
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)
        self._controller.start()

    @property
    def messages(self) -> list[Received]:
        return self._collector.messages

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.envelope_to]

    def clear(self) -> None:
        self._collector.messages.clear()

    def stop(self) -> None:
        self._controller.stop()
