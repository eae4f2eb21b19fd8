"""What the console services share: pages of a listing, and refusals turned into answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ...errors import BadRequestError, ConfigurationError, TicketboothError

T = TypeVar("T")

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class Paging:
    """Page ``page`` (from 1) of ``size`` items.

    Raises:
        BadRequestError: a page below 1 or past :data:`MAX_PAGE`, or a size outside
            1..:data:`MAX_PAGE_SIZE`.
    """

    page: int = 1
    size: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.page <= MAX_PAGE:
            raise BadRequestError(f"page must be between 1 and {MAX_PAGE:,}")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise BadRequestError(f"size must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing and how many items the whole listing has."""

    items: list[T]
    paging: Paging
    total: int


def refused_as(kind: type[TicketboothError], change: Callable[[], T]) -> T:
    """Run ``change``; a plain :class:`ConfigurationError` from it is raised as ``kind``.

    The services the CLI shares refuse a bad input (a username, an email) or a state
    that forbids the change (retiring the only active key) with a plain
    ``ConfigurationError``, the CLI's one-line error; over HTTP that is the client's 4xx,
    not the server's fault.  Its subclasses (the database unreachable) are not about the
    request and keep their own answer.
    """
    try:
        return change()
    except ConfigurationError as exc:
        if type(exc) is not ConfigurationError:
            raise
        raise kind(exc.message) from exc
