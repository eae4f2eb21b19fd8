"""Verify ticketbooth tokens in Django and DRF (``pip install ticketbooth[django]``).

Configure the verifier in ``settings.py``::

    TICKETBOOTH = {"ISSUER_URL": "https://auth.example.com", "AUDIENCE": "ticketbooth-api"}

then, with DRF::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["ticketbooth.django.TicketBoothAuthentication"],
    }

    class Orders(APIView):
        permission_classes = [HasRole("Admin") | HasScope("orders:write")]

or, for plain Django views, ``"ticketbooth.django.TicketBoothMiddleware"`` in
``MIDDLEWARE`` (after ``AuthenticationMiddleware``) and the ``login_required``,
``roles_required`` and ``scopes_required`` decorators.  ``request.user`` is then a
:class:`TokenUser` (or, with ``LOCAL_USER_CLAIM`` set, the local Django user the token
maps to), ``request.auth`` (DRF) the claims, and ``request.ticketbooth_principal`` the
:class:`~ticketbooth.principal.Principal`.  Refusals answer exactly as the ticketbooth
service does (:mod:`ticketbooth.httpauth`).

The DRF names are imported on first use, so a project without DRF can use the rest.
"""

from __future__ import annotations

from typing import Any

from ._config import ConfigError, settings_verifier
from ._core import TokenUser, authenticate, principal_of
from ._views import (
    TicketBoothMiddleware,
    error_response,
    login_required,
    roles_required,
    scopes_required,
)

_DRF_NAMES = ("Authenticated", "HasRole", "HasScope", "TicketBoothAuthentication")


def __getattr__(name: str) -> Any:
    if name in _DRF_NAMES:
        from . import _drf

        return getattr(_drf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Authenticated",
    "ConfigError",
    "HasRole",
    "HasScope",
    "TicketBoothAuthentication",
    "TicketBoothMiddleware",
    "TokenUser",
    "authenticate",
    "error_response",
    "login_required",
    "principal_of",
    "roles_required",
    "scopes_required",
    "settings_verifier",
]
