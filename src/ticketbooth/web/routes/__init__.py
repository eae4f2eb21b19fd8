"""The routes of API.md, one module per router with its bodies beside it.

``auth`` (``/api/auth``), ``products`` (the demo API) and ``meta`` (discovery, keys,
health, metrics).  A feature adds its router here and in the app factory.
"""

from .auth import auth_router
from .meta import meta_router
from .products import products_router

__all__ = ["auth_router", "meta_router", "products_router"]
