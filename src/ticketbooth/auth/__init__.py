"""Authentication flows: passwords, login, refresh rotation, logout, keys and rate limits.

Takes and returns plain values; imports neither a web framework nor SQLAlchemy (the
repositories it uses are protocols from ``ticketbooth.store.records``).
"""

from .keyring import Keyring
from .passwords import PasswordHasher, check_password
from .principal import Principal
from .ratelimit import LoginLimiter
from .service import AccessGrant, AuthService, TokenPair
from .users import UserAdmin

__all__ = [
    "AccessGrant",
    "AuthService",
    "Keyring",
    "LoginLimiter",
    "PasswordHasher",
    "Principal",
    "TokenPair",
    "UserAdmin",
    "check_password",
]
