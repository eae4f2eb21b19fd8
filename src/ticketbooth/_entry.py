"""The ``ticketbooth`` console script: a one-line error on the lean install.

The command runs the service, so it needs the ``server`` extra; a service that only
verifies tokens installs without it and gets a hint instead of a traceback.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run the CLI and return its exit code, or say which extra it needs."""
    try:
        from .cli import main as cli_main
    except ModuleNotFoundError as exc:
        sys.stderr.write(
            f"error: the ticketbooth command needs the server extra ({exc.name} is missing): "
            "pip install 'ticketbooth[server]'\n"
        )
        raise SystemExit(2) from None
    return cli_main()
