"""The admin console's operations, for the ``/api/admin`` routes.

Split by concept: users (and their sessions and second factor), signing keys, OAuth 2.0
clients, the audit trail, and the status strip.  Each change runs the very service the
CLI runs, in one unit of work with its audit row, which names the administrator
(:func:`~ticketbooth.auth.audit.acting`).  Reads go through the query protocols of
``ticketbooth.store.admin_records``; nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..audit import Actor
from ._common import MAX_PAGE_SIZE, Page, Paging
from .audit import AuditConsole, ChainStatus
from .clients import ClientConsole
from .keys import KeyConsole, KeyListing
from .status import Status, StatusProbe
from .users import UserConsole


@dataclass(frozen=True)
class AdminConsole:
    """The console's five parts."""

    users: UserConsole
    keys: KeyConsole
    clients: ClientConsole
    audit: AuditConsole
    status: StatusProbe


__all__ = [
    "MAX_PAGE_SIZE",
    "Actor",
    "AdminConsole",
    "AuditConsole",
    "ChainStatus",
    "ClientConsole",
    "KeyConsole",
    "KeyListing",
    "Page",
    "Paging",
    "Status",
    "StatusProbe",
    "UserConsole",
]
