"""Issue 11: a service that only verifies tokens installs without the server's stack.

A fresh virtualenv gets the project (``pip install --no-deps``) and only the packages
its core requirements name (and theirs), at the versions of this environment, from the
configured wheel cache or index.  In it, ``import ticketbooth.verify`` must verify a
token while FastAPI, SQLAlchemy and argon2 are not even installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

import pytest

from ticketbooth.tokens import Key, KeySet, TokenIssuer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "lean-install-secret-of-at-least-32-bytes"
SERVER_ONLY = ["fastapi", "starlette", "sqlalchemy", "argon2", "pydantic", "typer", "uvicorn"]

_VERIFY = """
import importlib.util, json, sys
from ticketbooth.tokens import Key, KeySet
from ticketbooth.verify import Verifier
token, secret = sys.argv[1], sys.argv[2]
verifier = Verifier(KeySet([Key.from_secret(secret.encode())]), issuer="lean", audience="api")
user = verifier.principal(token)
print(json.dumps({
    "user": [user.user_id, user.username, user.role, user.kind],
    "installed": [m for m in %r if importlib.util.find_spec(m) is not None],
    "loaded": sorted({name.partition(".")[0] for name in sys.modules}),
}))
"""


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]


def core_closure() -> list[str]:
    """``name==version`` of the core requirements and theirs, as installed here.

    Requirements behind an ``extra`` marker are left out; others whose marker does not
    hold here are not installed here either, and are skipped for that reason.
    """
    found: dict[str, str] = {}
    todo = [r for r in metadata.requires("ticketbooth") or [] if "extra ==" not in r]
    while todo:
        name = _name(todo.pop())
        if name.lower() in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name.lower()] = f"{dist.metadata['Name']}=={dist.version}"
        todo += [r for r in dist.requires or [] if "extra ==" not in r]
    return sorted(found.values())


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def lean_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("lean") / "venv"
    created = _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
    for what in ([str(ROOT)], core_closure()):
        installed = _run(*pip, *what)
        if installed.returncode != 0:
            reason = (installed.stderr.strip().splitlines() or ["?"])[-1]
            if os.environ.get("CI"):
                pytest.fail(f"pip install {' '.join(what)} failed: {reason}")
            pytest.skip(f"no package index or wheel cache for the lean venv: {reason}")
    return python


def test_core_requirements_are_few() -> None:
    names = {_name(r).lower() for r in metadata.requires("ticketbooth") or [] if "extra" not in r}
    assert names == {"cryptography", "joserfc", "orjson"}


def test_lean_venv_verifies_a_token(lean_python: Path) -> None:
    issuer = TokenIssuer(
        KeySet([Key.from_secret(SECRET.encode())]), issuer="lean", audience="api", lifetime=300
    )
    token = issuer.issue(subject="7", name="ada", role="User").token

    result = _run(
        str(lean_python), "-I", "-c", textwrap.dedent(_VERIFY % SERVER_ONLY), token, SECRET
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["user"] == ["7", "ada", "User", "user"]
    assert report["installed"] == []
    assert "ticketbooth" in report["loaded"]


def test_lean_venv_refuses_a_bad_token(lean_python: Path) -> None:
    code = (
        "from ticketbooth.tokens import Key, KeySet, ExpiredTokenError\n"
        "from ticketbooth.verify import Verifier\n"
        "import sys\n"
        "v = Verifier(KeySet([Key.from_secret(sys.argv[2].encode())]), issuer='lean', "
        "audience='api')\n"
        "try:\n    v.validate(sys.argv[1])\n"
        "except ExpiredTokenError as exc:\n    print(exc.description)\n"
    )
    issuer = TokenIssuer(
        KeySet([Key.from_secret(SECRET.encode())]),
        issuer="lean",
        audience="api",
        lifetime=1,
        now=lambda: time.time() - 3600,
    )
    token = issuer.issue(subject="7", name="ada", role="User").token

    result = _run(str(lean_python), "-I", "-c", code, token, SECRET)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The token expired"


def test_lean_venv_command_names_the_server_extra(lean_python: Path) -> None:
    result = _run(str(lean_python.parent / "ticketbooth"), "--help")

    assert result.returncode == 2
    assert result.stderr.startswith("error: the ticketbooth command needs the server extra (")
    assert result.stderr.rstrip().endswith("pip install 'ticketbooth[server]'")
