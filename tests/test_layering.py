"""Dependencies flow one way (STYLE rule 2), checked in a fresh interpreter.

``ticketbooth.auth`` and the token core must not pull in the web framework or the
database; ``ticketbooth.tokens`` on its own needs only the standard library,
``cryptography`` and the JOSE library.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

WEB_AND_DATABASE = ["fastapi", "starlette", "sqlalchemy"]
NOT_FOR_TOKENS = [*WEB_AND_DATABASE, "argon2", "limits", "pydantic", "redis", "alembic"]

# Loads ticketbooth/tokens without running ticketbooth/__init__.py (which imports auth),
# then reports every top-level module the import added.
_TOKENS_ALONE = """
import importlib.util, json, sys, types
spec = importlib.util.find_spec("ticketbooth")
package = types.ModuleType("ticketbooth")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["ticketbooth"] = package
before = set(sys.modules)
import ticketbooth.tokens
added = {name.partition(".")[0] for name in set(sys.modules) - before}
print(json.dumps(sorted(added - set(sys.stdlib_module_names))))
"""

_VERIFY = """
import json, sys
import ticketbooth.verify
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""

NOT_FOR_VERIFY = [*NOT_FOR_TOKENS, "uvicorn", "typer", "prometheus_client", "psycopg"]
"""A service that only verifies tokens (issue 11): no web framework, ORM or hasher."""

_STORE = """
import json, pkgutil, sys, importlib
import ticketbooth.store
for module in pkgutil.iter_modules(ticketbooth.store.__path__, "ticketbooth.store."):
    if not module.ispkg:  # migrations/ runs under Alembic only
        importlib.import_module(module.name)
print(json.dumps(sorted(name for name in sys.modules if name.startswith("ticketbooth."))))
"""

_PUBLIC_API = """
import json, sys
import ticketbooth, ticketbooth.tokens, ticketbooth.auth
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def loaded_after(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.fixture(scope="module")
def public_api_modules() -> list[str]:
    return loaded_after(_PUBLIC_API)


@pytest.fixture(scope="module")
def tokens_modules() -> list[str]:
    return loaded_after(_TOKENS_ALONE)


@pytest.mark.parametrize("forbidden", WEB_AND_DATABASE)
def test_public_api_imports_no_web_framework_or_database(
    public_api_modules: list[str], forbidden: str
) -> None:
    assert "ticketbooth" in public_api_modules
    assert forbidden not in public_api_modules


@pytest.mark.parametrize("forbidden", NOT_FOR_TOKENS)
def test_tokens_alone_imports_none_of(tokens_modules: list[str], forbidden: str) -> None:
    assert "ticketbooth" in tokens_modules
    assert forbidden not in tokens_modules


def test_tokens_alone_imports_only_cryptography_and_the_jose_library(
    tokens_modules: list[str],
) -> None:
    # _cffi_backend and _openssl are cryptography's own binding modules.  orjson parses
    # token JSON on the hot path (about 3x faster than json); it is neither a web
    # framework nor a database, which is what the layering forbids.
    allowed = {"ticketbooth", "cryptography", "joserfc", "orjson", "_cffi_backend", "_openssl"}
    assert set(tokens_modules) <= allowed, sorted(set(tokens_modules) - allowed)


FRAMEWORKS = ["fastapi", "starlette", "flask", "werkzeug", "django", "rest_framework", "litestar"]

# What each module may load of FRAMEWORKS (and never the database): the token verifier and
# the HTTP-auth rules load none; each adapter loads its own framework and no other.
ADAPTERS = {
    "ticketbooth.verify": set(),
    "ticketbooth.httpauth": set(),
    "ticketbooth.asgi": set(),
    "ticketbooth.flask": {"flask", "werkzeug"},
    "ticketbooth.django": {"django"},  # DRF only when its classes are first used
}


@pytest.mark.parametrize("module", sorted(ADAPTERS))
def test_verifier_and_adapters_load_no_other_framework(module: str) -> None:
    loaded = set(loaded_after(f"import json, sys, {module}\n" + _REPORT))
    assert module.partition(".")[0] in loaded
    assert (loaded & set(FRAMEWORKS)) == ADAPTERS[module], module
    assert "sqlalchemy" not in loaded


_REPORT = "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))"


@pytest.fixture(scope="module")
def verify_modules() -> list[str]:
    return loaded_after(_VERIFY)


@pytest.mark.parametrize("forbidden", NOT_FOR_VERIFY)
def test_verify_imports_no_framework_orm_or_hasher(
    verify_modules: list[str], forbidden: str
) -> None:
    assert "ticketbooth" in verify_modules
    assert forbidden not in verify_modules


def test_store_never_imports_auth() -> None:
    loaded = loaded_after(_STORE)
    assert "ticketbooth.store.audit" in loaded
    assert "ticketbooth.store.refresh_tokens" in loaded
    assert [name for name in loaded if name.startswith("ticketbooth.auth")] == []
