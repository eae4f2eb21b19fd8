"""The routes of API.md, one module per router with its bodies beside it.

``auth`` (``/api/auth``), ``accounts`` (sign-up, verification, reset, ``me``),
``products`` (the demo API), ``meta`` (discovery, keys, health, metrics) and ``oauth``
(OAuth 2.0 for services); ``sessions``, ``mfa`` and ``passkeys`` sit beneath
``/api/auth``; ``admin_users``, ``admin_keys``, ``admin_clients`` and ``admin_audit``
beneath ``/api/admin`` (role Admin).  A feature adds its router here and in the app factory.
"""

from .accounts import accounts_router
from .admin_audit import admin_audit_router
from .admin_clients import admin_clients_router
from .admin_keys import admin_keys_router
from .admin_users import admin_users_router
from .auth import auth_router
from .meta import meta_router
from .mfa import mfa_router
from .oauth import install_oauth, oauth_router
from .passkeys import passkeys_router
from .products import products_router
from .sessions import sessions_router

__all__ = [
    "accounts_router",
    "admin_audit_router",
    "admin_clients_router",
    "admin_keys_router",
    "admin_users_router",
    "auth_router",
    "install_oauth",
    "meta_router",
    "mfa_router",
    "oauth_router",
    "passkeys_router",
    "products_router",
    "sessions_router",
]
