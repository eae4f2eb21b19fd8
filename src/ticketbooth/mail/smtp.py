"""Delivery over SMTP with the standard library's ``smtplib``.

``smtp://host:port`` (no TLS: a relay on the same host or network), ``smtp+starttls://``
(upgrades with STARTTLS, and fails rather than send in the clear) and ``smtps://`` (TLS
from the first byte).  ``user:pass@`` in the URL logs in.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from .templates import Mail

TIMEOUT_SECONDS = 20.0


class SmtpTransport:
    """Sends one mail per call over a fresh connection (mail is rare; no pool needed).

    Args:
        url: ``smtp://``, ``smtp+starttls://`` or ``smtps://`` (validated by the settings).
        sender: the ``From`` header.
    """

    def __init__(self, url: str, sender: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        self._scheme = parts.scheme
        self._host = parts.hostname or "localhost"
        default_port = 465 if self._scheme == "smtps" else 587 if "starttls" in self._scheme else 25
        self._port = parts.port or default_port
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpTransport({self._scheme}://{self._host}:{self._port})"

    def send(self, mail: Mail) -> None:
        """Deliver one mail.

        Raises:
            OSError: the server is unreachable or refused the mail (``smtplib.SMTPException``
                is an ``OSError``); the sender retries later.
        """
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="ticketbooth")
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self._scheme == "smtps":
            smtp = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            if self._scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if self._user is not None:
                smtp.login(self._user, self._password or "")
            smtp.send_message(message)
