"""JSON responses rendered by orjson.

Starlette's :class:`~starlette.responses.JSONResponse` renders with the standard
library's ``json.dumps`` (compact separators, UTF-8, no NaN).  orjson writes the same
bytes for the bodies this service sends (strings, integers, finite floats, lists and
objects with string keys) in a fraction of the time; the request path's share of it is
measured in bench/http.py.  Two differences, neither reachable from the service (prices
are validated finite, with cents): a float in exponent form is spelled ``1e-7`` instead of
``1e-07`` (the same number), and NaN or infinity becomes ``null`` where ``json.dumps``
would refuse it.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSONResponse

__all__ = ["JSONResponse"]


class JSONResponse(_StarletteJSONResponse):
    """Starlette's ``JSONResponse``, rendered by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
