"""The account mails, from ``string.Template`` files a deployer can override.

Each mail ``NAME`` has ``NAME.txt`` (its first line is ``Subject: ...``) and
``NAME.html``.  A file of the same name in ``TICKETBOOTH_MAIL_TEMPLATES`` replaces the
built-in one; values are HTML-escaped in the HTML body.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ..errors import ConfigurationError

BUILT_IN = Path(__file__).parent / "templates"
MAILS = ("verify", "reset", "registered", "nothing")


@dataclass(frozen=True, slots=True)
class Mail:
    """A rendered mail (its bodies may carry a one-time link: never log them)."""

    recipient: str
    subject: str
    text: str
    html: str

    def __repr__(self) -> str:
        return f"Mail(subject={self.subject!r})"


class MailTemplates:
    """Renders the account mails.

    Args:
        folder: a folder of overrides (``verify.txt``, ``reset.html`` ...), or None.

    Raises:
        ConfigurationError: the folder does not exist, or a template does not parse
            (checked at start-up, not at the first sign-up).
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self._folder = Path(folder) if folder else None
        if self._folder is not None and not self._folder.is_dir():
            raise ConfigurationError(f"TICKETBOOTH_MAIL_TEMPLATES: {self._folder} is not a folder")
        self._templates: dict[str, Template] = {}
        for name in MAILS:
            for suffix in ("txt", "html"):
                self._templates[f"{name}.{suffix}"] = self._load(f"{name}.{suffix}")
            if not self._templates[f"{name}.txt"].template.startswith("Subject:"):
                raise ConfigurationError(
                    f"TICKETBOOTH_MAIL_TEMPLATES: {name}.txt must start with 'Subject: ...'"
                )

    def _load(self, filename: str) -> Template:
        path = BUILT_IN / filename
        if self._folder is not None and (self._folder / filename).is_file():
            path = self._folder / filename
        template = Template(path.read_text(encoding="utf-8"))
        if not template.is_valid():
            raise ConfigurationError(f"TICKETBOOTH_MAIL_TEMPLATES: {path} has a bad placeholder")
        return template

    def render(self, name: str, recipient: str, **values: str) -> Mail:
        """The mail ``name`` to ``recipient`` with ``values`` filled in."""
        text = self._templates[f"{name}.txt"].safe_substitute(values)
        subject_line, _, body = text.partition("\n")
        escaped = {key: html.escape(value) for key, value in values.items()}
        return Mail(
            recipient=recipient,
            subject=subject_line.removeprefix("Subject:").strip(),
            text=body.lstrip("\n"),
            html=self._templates[f"{name}.html"].safe_substitute(escaped),
        )
