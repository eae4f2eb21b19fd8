"""Loads ticketbooth's own pytest plugin for this repository's tests.

Installed projects get the plugin through its ``pytest11`` entry point.  Here the entry
point is switched off (``-p no:ticketbooth`` in pyproject.toml) and the plugin comes in
through this file instead, because entry-point plugins are imported before pytest-cov
starts measuring: importing the plugin imports ``ticketbooth.tokens``, whose module-level
lines would then count as never run and break the 100% gate on ``tokens/``.
"""

pytest_plugins = ["ticketbooth.testing.plugin"]
