"""The migration chain is one line: exactly one head, every revision on the way to it.

Two features adding a migration each from the same parent would give Alembic two heads,
and ``upgrade head`` would refuse to run; this test fails first.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from ticketbooth.store.db import alembic_config, make_engine

VERSIONS = Path(__file__).parents[2] / "src" / "ticketbooth" / "store" / "migrations" / "versions"


def script_directory() -> ScriptDirectory:
    engine = make_engine("sqlite://")
    try:
        return ScriptDirectory.from_config(alembic_config(engine))
    finally:
        engine.dispose()


def test_migration_chain_has_exactly_one_head() -> None:
    heads = script_directory().get_heads()
    assert len(heads) == 1, (
        f"several heads: {heads}; point one migration's down_revision at the other"
    )


def test_every_revision_lies_on_the_chain_to_the_head() -> None:
    script = script_directory()
    chain = [revision.revision for revision in script.walk_revisions("base", "heads")]
    files = sorted(path.stem.partition("_")[0] for path in VERSIONS.glob("[0-9]*.py"))
    assert sorted(chain) == files
    assert len(set(chain)) == len(chain)
