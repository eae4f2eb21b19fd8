"""The repository is self-contained: no file points outside it, and docs/api.md is complete.

A clone is all a user gets, so every relative link in a Markdown file must land on a file
inside the repository, nothing may mention the shared folder beside it (:data:`OUTSIDE`), and
every route the app registers must be documented in ``docs/api.md``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

from ticketbooth.config import Settings
from ticketbooth.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"
OUTSIDE = ".." + "/shared"  # spelled in two halves so this file does not match itself
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_LINK = re.compile(r"(?:href|src)=\"([^\"]+)\"")
TEXT_SUFFIXES = {
    ".md", ".py", ".toml", ".cfg", ".ini", ".txt", ".yml", ".yaml", ".json",
    ".js", ".mjs", ".html", ".css", ".lua", ".cs", ".sh", "",
}  # fmt: skip


@cache
def tracked_files() -> tuple[Path, ...]:
    """Every file git tracks in this worktree (plus docs/api.md, tracked or about to be)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout
    files = {ROOT / name for name in listing.split("\0") if name}
    files.add(API_DOC)
    return tuple(sorted(f for f in files if f.is_file() and f.suffix in TEXT_SUFFIXES))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def test_the_walk_covers_the_readme_and_the_sources() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    assert {"README.md", "docs/api.md", "src/ticketbooth/web/routes/auth.py"} <= names


def test_no_tracked_file_mentions_the_shared_folder() -> None:
    offenders = [p.relative_to(ROOT).as_posix() for p in tracked_files() if OUTSIDE in _text(p)]
    assert offenders == []


def _relative_targets(path: Path) -> list[str]:
    text = _text(path)
    found = MARKDOWN_LINK.findall(text)
    if path.suffix in (".md", ".html"):
        found += HTML_LINK.findall(text)
    return [
        target.split("#", 1)[0]
        for target in found
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)  # http:, mailto:
        and not target.startswith(("#", "/"))  # anchors, and paths on the server
        and not target.startswith("$")  # a mail template's placeholder ($link, $url)
        and target.split("#", 1)[0]
    ]


def test_every_relative_link_stays_inside_the_repository_and_exists() -> None:
    problems = []
    for path in tracked_files():
        if path.suffix not in (".md", ".html"):
            continue
        for target in _relative_targets(path):
            resolved = (path.parent / target).resolve()
            where = f"{path.relative_to(ROOT).as_posix()} -> {target}"
            if not resolved.is_relative_to(ROOT):
                problems.append(f"{where} leaves the repository")
            elif not resolved.exists():
                problems.append(f"{where} does not exist")
    assert problems == []


def test_the_link_check_catches_an_escaping_link(tmp_path: Path) -> None:
    page = ROOT / "docs" / "api.md"
    assert (page.parent / "../../elsewhere/API.md").resolve().is_relative_to(ROOT) is False
    sample = tmp_path / "sample.md"
    sample.write_text(f"see [the contract](../{OUTSIDE}/API.md#http) and [x](https://a.b/c)")
    assert _relative_targets(sample) == [f"../{OUTSIDE}/API.md"]


def test_the_readme_links_the_http_reference() -> None:
    assert "](docs/api.md)" in _text(ROOT / "README.md")


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of ``routes``, descending into included routers.

    FastAPI 0.165 keeps an included router whole (``original_router``, with the prefix of
    its ``include_context``); older versions copied its routes into the app.
    """
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(included.routes, prefix + getattr(context, "prefix", ""))
            continue
        assert isinstance(route, APIRoute | Route), route
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, prefix + route.path


@pytest.fixture(scope="module")
def registered_routes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """(method, path) of every route the service app registers, HEAD aside."""
    url = f"sqlite:///{tmp_path_factory.mktemp('routes') / 'ticketbooth.db'}"
    app = create_app(Settings(database_url=url, secret_key="x" * 40))
    try:
        return list(_walk(app.routes))
    finally:
        app.state.services.close()


def _documented(method: str, path: str, doc: str) -> bool:
    """Whether ``docs/api.md`` names "`METHOD path`", any parameter name accepted."""
    pattern = re.escape(f"`{method} {path}`")
    pattern = re.sub(r"\\\{[^}]*\\\}", r"\\{[a-z_]+\\}", pattern)
    return re.search(pattern, doc) is not None


def test_every_registered_route_is_in_the_http_reference(
    registered_routes: list[tuple[str, str]],
) -> None:
    assert ("POST", "/api/auth/login") in registered_routes
    assert ("GET", "/api/products/{product_id}") in registered_routes
    doc = _text(API_DOC)
    missing = [f"{m} {p}" for m, p in registered_routes if not _documented(m, p, doc)]
    assert missing == []


def test_the_route_check_would_notice_an_undocumented_route() -> None:
    doc = "`GET /api/products/{id}` and `POST /api/auth/login`"
    assert _documented("GET", "/api/products/{product_id}", doc)
    assert not _documented("DELETE", "/api/products/{product_id}", doc)
    assert not _documented("POST", "/api/auth/register", doc)


def test_every_setting_is_in_the_http_reference() -> None:
    doc = _text(API_DOC)
    missing = [name for name in Settings.model_fields if f"`TICKETBOOTH_{name.upper()}`" not in doc]
    assert missing == []
