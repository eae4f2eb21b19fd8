"""Where log lines go: the audit trail as JSON lines, everything else as plain text.

``serve`` writes audit events to standard error (one JSON object a line) unless
``TICKETBOOTH_AUDIT_LOG`` names a file; administrative commands write them to that file
only, so their own output stays one line.  No line ever holds a password, token or key.
"""

from __future__ import annotations

import logging
import sys

from .config import Settings

_MARK = "_ticketbooth_handler"


def configure_logging(settings: Settings, *, to_stderr: bool) -> None:
    """Attach ticketbooth's handlers (once per process).

    Args:
        settings: ``audit_log`` names a file to append audit lines to.
        to_stderr: also write audit lines and warnings to standard error (``serve``).
    """
    audit = logging.getLogger("ticketbooth.audit")
    if any(getattr(h, _MARK, False) for h in audit.handlers):
        return
    audit.setLevel(logging.INFO)
    audit.propagate = False
    handlers: list[logging.Handler] = []
    if settings.audit_log:
        handlers.append(logging.FileHandler(settings.audit_log, encoding="utf-8"))
    if to_stderr and not settings.audit_log:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(message)s"))
        setattr(handler, _MARK, True)
        audit.addHandler(handler)
    if to_stderr:
        root = logging.getLogger("ticketbooth")
        if not root.handlers:
            plain = logging.StreamHandler(sys.stderr)
            plain.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            root.addHandler(plain)
            root.setLevel(logging.INFO)
