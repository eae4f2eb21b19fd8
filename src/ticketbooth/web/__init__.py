"""The FastAPI layer: app factory, routes and the ``require_user``/``require_role`` dependencies.

Import by path: ``from ticketbooth.web import create_app, require_user, require_role``.
"""

from .app import create_app
from .dependencies import attach, require_role, require_user

__all__ = ["attach", "create_app", "require_role", "require_user"]
