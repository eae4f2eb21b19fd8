"""In-memory stand-ins for store protocols, for auth tests that need no database."""

from __future__ import annotations


class MemoryRevocations:
    """The RevocationRepository protocol over two dicts (users and sessions)."""

    def __init__(self) -> None:
        self.rows: dict[int, float] = {}
        self.sessions: dict[str, float] = {}

    def record(self, user_id: int, not_before: float) -> None:
        self.rows[user_id] = not_before

    def record_session(self, session_id: str, not_before: float) -> None:
        self.sessions[session_id] = not_before

    def since(self, recorded_after: float) -> dict[str, float]:
        return {str(u): nbf for u, nbf in self.rows.items() if nbf > recorded_after}

    def sessions_since(self, recorded_after: float) -> dict[str, float]:
        return {s: nbf for s, nbf in self.sessions.items() if nbf > recorded_after}

    def prune(self, older_than: float) -> int:
        return 0
