"""The ``ticketbooth`` command: a thin shell over ``auth``, ``store`` and ``tokens``.

Every command prints one line to standard error and exits non-zero on failure.  One
module per command group; importing them registers their commands on :data:`app`.
"""

# isort: skip_file
from __future__ import annotations

import typer

# The order of these imports is the order --help lists the commands in.
from . import _serve, _users, _sessions, _keys, _tokens, _audit, _check, _accounts  # noqa: F401
from ._base import DEMO_PRODUCTS, app

__all__ = ["DEMO_PRODUCTS", "app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:  # click's own usage errors
        return int(exc.code or 0)
    except Exception as exc:  # UsageError and friends, from click or typer's vendored copy
        show = getattr(exc, "show", None)
        if not callable(show):
            raise
        show()
        return int(getattr(exc, "exit_code", 1))
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
