"""Deprecated location of :class:`~ticketbooth.principal.Principal` (kept as an alias)."""

from __future__ import annotations

from ..principal import Principal

__all__ = ["Principal"]
