"""A real SMTP server for the tests: aiosmtpd on a free port, collecting what it receives.

``Mailbox.wait_for`` waits for a mail to an address, bounded by
:data:`DELIVERY_BOUND_SECONDS`: the sender looks at the outbox at least every second
(``mail.sender`` interval) and gives an SMTP conversation 20 s
(``mail.smtp.TIMEOUT_SECONDS``), so a mail due now is delivered well within it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

DELIVERY_BOUND_SECONDS = 30.0
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collector:
    def __init__(self, box: Mailbox) -> None:
        self._box = box

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        with self._box.arrived:
            self._box.messages.append(message)
            self._box.arrived.notify_all()
        return "250 OK"


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps every mail; can be stopped and restarted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.arrived = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, recipient: str, count: int = 1) -> list[Message]:
        """The mails to ``recipient`` once there are ``count`` of them (bounded wait)."""
        deadline = time.monotonic() + DELIVERY_BOUND_SECONDS
        with self.arrived:
            while True:
                found = [m for m in self.messages if m["To"] == recipient]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {recipient} within {DELIVERY_BOUND_SECONDS}s")
                self.arrived.wait(left)


def text_of(message: Message) -> str:
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: Message) -> str:
    assert isinstance(message, EmailMessage)
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def link_token(message: Message) -> str:
    """The one-time secret carried by the mail's link."""
    found = TOKEN.search(text_of(message))
    assert found, text_of(message)
    return found.group(1)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()
