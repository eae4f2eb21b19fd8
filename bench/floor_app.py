"""The framework floor of bench/http.py: an empty FastAPI app with my-info's route.

One route, ``GET /api/products/my-info``, answering the JSON ticketbooth's route answers
(``{"userId", "userName", "role"}``, here fixed) with a ``JSONResponse``, as that route
does; no dependency, no middleware, no exception handler of its own; served exactly as
``ticketbooth serve`` serves (``uvicorn.run(app, host, port, log_level="warning")``: uvloop
and httptools, one process).  Whatever ticketbooth's my-info costs beyond this is
ticketbooth's own plumbing: middleware, token validation, error handling, dependencies.

    python bench/floor_app.py --port PORT
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's ``http``
# package (uvicorn and starlette import it) when a script here runs: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/api/products/my-info")
async def my_info() -> JSONResponse:
    return JSONResponse({"userId": "1", "userName": "bench", "role": "User"})


@app.get("/health")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
