"""A small app of its own ("notes"), protected by ticketbooth's dependencies.

It is what a user of ticketbooth writes: routes guarded by ``require_user`` and
``require_role``, and ``attach`` to say which validator checks the tokens.  Its tests
(``test_app.py``) use only the ``ticketbooth.testing`` plugin.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.responses import Response

from ticketbooth.auth import Principal
from ticketbooth.tokens import TokenValidator
from ticketbooth.web import attach, require_role, require_user


def create_app(validator: TokenValidator | None = None) -> FastAPI:
    """The notes app; with ``validator``, attached to it at once."""
    app = FastAPI(title="notes")
    notes: dict[int, str] = {1: "buy milk", 2: "rotate the keys"}

    @app.get("/notes")
    async def list_notes(user: Principal = Depends(require_user)) -> dict[str, object]:
        return {"owner": user.username, "notes": sorted(notes.values())}

    @app.get("/whoami")
    async def whoami(user: Principal = Depends(require_user)) -> dict[str, object]:
        return {"sub": user.user_id, "name": user.username, "role": user.role}

    @app.delete("/notes/{note_id}", dependencies=[Depends(require_role("Admin"))])
    async def delete_note(note_id: int) -> Response:
        notes.pop(note_id, None)
        return Response(status_code=204)

    if validator is not None:
        attach(app, validator)
    return app
