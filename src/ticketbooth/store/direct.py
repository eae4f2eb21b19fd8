"""Hot statements sent straight to the driver's cursor.

A refresh runs five statements on every request.  Through ``Connection.execute`` each
one pays for SQLAlchemy's execution context, result metadata and ``Row`` objects on
top of the driver's own work: about twice the driver's CPU per statement here, and a
fifth of the whole refresh (bench/refresh.py, docs/performance.md).  :class:`Direct`
keeps the statement a SQLAlchemy Core statement, compiles it once per dialect and set
of parameter names, applies the column types' own bind and result processors (so
``UTCDateTime`` still refuses naive times and hands back aware UTC), and sends it on
the DBAPI cursor of the same connection, inside the same transaction.

What stays SQLAlchemy's: a driver error becomes the ``sqlalchemy.exc.DBAPIError``
SQLAlchemy would raise, and a lost connection is invalidated so the pool replaces it.
When anything listens to the engine's cursor events (an instrumentation, the statement
counter of bench/refresh.py) the statement goes through ``Connection.execute`` so the
listener sees it exactly as before.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...] | None  # positional drivers: the parameters in order
    defaults: dict[str, Any]  # values the statement itself binds (``revoked_reason``)
    binds: dict[str, Callable[[Any], Any]]
    row: Any  # a namedtuple class of the returned columns, or None
    results: tuple[Callable[[Any], Any] | None, ...]


@dataclass(frozen=True)
class DirectResult:
    """What one :meth:`Direct.execute` returned: the rows (processed) and the count.

    ``rowcount`` is the number of rows returned when the statement returns rows (a
    SELECT, or RETURNING), else the number of rows it changed.
    """

    rows: list[Any]
    rowcount: int

    def first(self) -> Any:
        """The first row, or None."""
        return self.rows[0] if self.rows else None


class Direct:
    """One prebuilt Core statement, run on the connection's DBAPI cursor."""

    def __init__(self, statement: Executable) -> None:
        if not isinstance(statement, ClauseElement):
            raise TypeError(f"Direct takes a Core statement, not {statement!r}")
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> DirectResult:
        """Run the statement with ``params`` in ``connection``'s transaction.

        Raises:
            sqlalchemy.exc.DBAPIError: the driver refused it (as ``execute`` would).
        """
        if connection.dispatch.before_cursor_execute or connection.dispatch.after_cursor_execute:
            result = connection.execute(self.statement, dict(params))
            if result.returns_rows:
                rows = list(result)
                return DirectResult(rows, len(rows))
            return DirectResult([], getattr(result, "rowcount", -1))
        dialect = connection.dialect
        plan = self._plan(dialect, params)
        values = {**plan.defaults, **params}
        for name, process in plan.binds.items():
            values[name] = process(values[name])
        arguments: Any = values if plan.names is None else [values[n] for n in plan.names]
        dbapi_connection: Any = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            try:
                cursor.execute(plan.sql, arguments)
                # psycopg builds ``description`` anew on every access: read it once
                returns_rows = cursor.description is not None
                fetched = cursor.fetchall() if returns_rows else []
            except dialect.loaded_dbapi.Error as exc:
                lost = dialect.is_disconnect(exc, dbapi_connection, cursor)
                if lost:
                    connection.invalidate(exc)
                raise DBAPIError.instance(
                    plan.sql,
                    arguments,
                    exc,
                    dialect.loaded_dbapi.Error,
                    connection_invalidated=lost,
                    dialect=dialect,
                ) from exc
            rowcount = len(fetched) if returns_rows else cursor.rowcount
        finally:
            cursor.close()
        if plan.row is None:
            return DirectResult(list(fetched), rowcount)
        rows = [
            plan.row._make(
                value if process is None else process(value)
                for value, process in zip(row, plan.results, strict=True)
            )
            for row in fetched
        ]
        return DirectResult(rows, rowcount)

    def _plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        key = (dialect.name, tuple(params))  # callers pass their names in one order
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _compile(self.statement, dialect, list(params))
        return plan


def _compile(statement: Executable, dialect: Dialect, keys: list[str]) -> _Plan:
    assert isinstance(statement, ClauseElement)  # noqa: S101 (checked by Direct)
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"Direct takes a SQL statement, not {statement!r}")
    defaults = {
        name: value
        for name, value in compiled.params.items()
        if name not in keys and value is not None
    }
    binds: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and (name in keys or name in defaults):
            binds[name] = process
    columns = list(getattr(statement, "exported_columns", ()))
    row = namedtuple("Row", [column.key for column in columns]) if columns else None
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Plan(compiled.string, names, defaults, binds, row, results)
