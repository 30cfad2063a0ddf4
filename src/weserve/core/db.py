"""Database helpers for hot paths: prepared statements, ORM queries compiled once, and a
model's INSERT built once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, router
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_save


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django's PostgreSQL cursors bind parameters on the client (WeServe keeps that
    default: some ORM queries repeat a parameter in GROUP BY, which server-side binding
    cannot match), so every statement reaches the server as new text and is planned
    afresh. This cursor binds on the server, and psycopg prepares a statement once it
    has run a few times on the connection (`prepare_threshold`); the pool keeps the
    connections, so a hot statement is planned once per connection. It is still Django's
    cursor wrapper: errors are Django's, and the test suite's query counting sees it.
    Elsewhere (SQLite) it is Django's ordinary cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # django-stubs types these as taking a CursorWrapper; Django wraps a DB-API cursor.
    wrapped = (
        connection.make_debug_cursor(raw)  # type: ignore[arg-type]
        if connection.queries_logged
        else connection.make_cursor(raw)  # type: ignore[arg-type]
    )
    with wrapped as cursor:
        yield cursor


# Stand-ins for a CompiledQuery's values while it compiles: values no caller passes.
_INT_STAND_IN = 7_340_032_000_000_000


def _stand_in(kind: type, index: int) -> Any:
    if kind is int:
        return _INT_STAND_IN + index
    if kind is str:
        return f"\x00compiled query value {index}\x00"
    raise TypeError(f"a CompiledQuery takes int or str values, not {kind.__name__}")


@dataclass(frozen=True)
class _Compiled:
    model: Any
    sql: str
    exists_sql: str
    # Per parameter of the SQL: the index of the caller's value, or a fixed value.
    slots: tuple[tuple[bool, Any], ...]
    exists_slots: tuple[tuple[bool, Any], ...]
    # The model's fields the SQL selects, in its order (attribute names), and the
    # converters the ORM applies to them (column index, functions, expression).
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


class CompiledQuery:
    """An ORM query compiled to SQL once per process and database, then run with new values.

    Building a queryset and compiling it costs Django far more than running it: looking up
    a device by its token took 0.32 ms to compile against 0.03 ms to run on SQLite. For a
    query on a hot path, `build` states it once, in the ORM, taking its values as
    arguments (`kinds` says which are ints and which strings); the first call compiles it
    with stand-in values and notes where each lands among the SQL's parameters, and every
    call sends that SQL with the real values. The rule stays where it was written: in the
    queryset `build` returns.

    Only values that reach the SQL unchanged can be stood in for (equality on an int or a
    string field); one that a lookup transforms (a LIKE pattern, a date, an `in` list) is
    refused at the first compile, as is a query with joined models (`select_related`).
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def _get(self) -> _Compiled:
        found = self._compiled.get(connection.alias)
        if found is None:
            found = self._compiled[connection.alias] = self._compile()
        return found

    def _compile(self) -> _Compiled:
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(self._kinds)]
        queryset = self._build(*stand_ins)
        if queryset.query.select_related:
            raise TypeError("a CompiledQuery cannot load joined models (select_related)")
        compiler = queryset.query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        exists_sql, exists_params = queryset.query.exists().get_compiler(connection.alias).as_sql()
        columns = [column for column, _sql, _alias in compiler.select]
        return _Compiled(
            model=queryset.model,
            sql=sql,
            exists_sql=exists_sql,
            slots=self._slots(params, stand_ins),
            exists_slots=self._slots(exists_params, stand_ins),
            attnames=self._attnames(queryset.model, columns),
            converters=tuple(
                (index, tuple(functions), expression)
                for index, (functions, expression) in compiler.get_converters(columns).items()
            ),
        )

    @staticmethod
    def _attnames(model: Any, columns: list[Any]) -> tuple[str, ...]:
        """The attribute of `model` each selected column fills ("" for a column that is
        not one of its fields: `objects` then refuses, `rows` gives it)."""
        names = []
        for column in columns:
            target = getattr(column, "target", None)
            owner = getattr(target, "model", None)
            mine = owner is not None and issubclass(model, owner)
            names.append(
                target.attname
                if target is not None and mine and column.alias == model._meta.db_table
                else ""
            )
        return tuple(names)

    @staticmethod
    def _slots(params: Sequence[Any], stand_ins: list[Any]) -> tuple[tuple[bool, Any], ...]:
        slots: list[tuple[bool, Any]] = []
        for param in params:
            index = next(
                (i for i, s in enumerate(stand_ins) if type(param) is type(s) and param == s),
                None,
            )
            slots.append((True, index) if index is not None else (False, param))
        missing = set(range(len(stand_ins))) - {value for is_arg, value in slots if is_arg}
        if missing:
            raise TypeError(
                f"values {sorted(missing)} of a CompiledQuery do not reach its SQL unchanged"
            )
        return tuple(slots)

    def _check(self, args: tuple[Any, ...]) -> None:
        if len(args) != len(self._kinds) or any(
            type(arg) is not kind for arg, kind in zip(args, self._kinds, strict=True)
        ):
            raise TypeError(f"expected values of kinds {self._kinds}, got {args!r}")

    @staticmethod
    def _params(slots: tuple[tuple[bool, Any], ...], args: tuple[Any, ...]) -> list[Any]:
        return [args[value] if is_arg else value for is_arg, value in slots]

    def objects(self, *args: Any) -> list[Any]:
        """The model instances the queryset would give for these values: its rows, with
        the ORM's converters, made into instances as the ORM makes them (`from_db`)."""
        self._check(args)
        compiled = self._get()
        if "" in compiled.attnames:
            raise TypeError("a CompiledQuery gives instances only of a query of its model's fields")
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled.slots, args))
            rows = cursor.fetchall()
        from_db, alias, names = compiled.model.from_db, connection.alias, compiled.attnames
        converters = compiled.converters
        if not converters:
            return [from_db(alias, names, row) for row in rows]
        found = []
        for row in rows:
            values = list(row)
            for index, functions, expression in converters:
                value = values[index]
                for convert in functions:
                    value = convert(value, expression, connection)
                values[index] = value
            found.append(from_db(alias, names, values))
        return found

    def first(self, *args: Any) -> Any:
        """The first instance for these values, or None (slice the queryset to one)."""
        found = self.objects(*args)
        return found[0] if found else None

    def exists(self, *args: Any) -> bool:
        """Whether the queryset would give any row for these values."""
        self._check(args)
        compiled = self._get()
        with connection.cursor() as cursor:
            cursor.execute(compiled.exists_sql, self._params(compiled.exists_slots, args))
            return cursor.fetchone() is not None

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        """The rows of a `values_list` queryset, as the database gives them (unconverted:
        SQLite gives booleans as 0 and 1)."""
        self._check(args)
        compiled = self._get()
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled.slots, args))
            return list(cursor.fetchall())


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: tuple[Any, ...]  # the fields the INSERT writes, in its order
    returning: tuple[Any, ...]  # the fields it reads back (the primary key), in order
    converters: tuple[tuple[Any, ...], ...]  # per returned field, as the ORM converts it


# Per (model, database alias): its INSERT, or None where `insert` leaves it to `save()`.
_insert_plans: dict[tuple[type[Model], str], _InsertPlan | None] = {}


def _insert_plan(model: type[Model], alias: str) -> _InsertPlan | None:
    """The INSERT `save(force_insert=True)` sends for a new row of `model` (its primary
    key left to the database), built as Django's insert compiler builds it; None for a
    model whose save does more than that one statement."""
    meta = model._meta
    conn = connections[alias]
    saves_plainly = (
        model.save is Model.save
        and model.save_base is Model.save_base
        and model._save_table is Model._save_table  # type: ignore[attr-defined]
        and model._do_insert is Model._do_insert  # type: ignore[attr-defined]
    )
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if (
        not saves_plainly
        or meta.parents
        or meta.proxy
        or meta.order_with_respect_to is not None
        or meta.auto_field is None
        or not conn.features.can_return_columns_from_insert
        or any(f.has_db_default() or hasattr(f, "get_placeholder") for f in fields)  # type: ignore[attr-defined]
    ):
        return None
    returning = tuple(meta.db_returning_fields)
    quote = conn.ops.quote_name
    returning_sql, _ = conn.ops.return_insert_columns(returning)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - a model's names, quoted
        f"VALUES ({', '.join(['%s'] * len(fields))}) {returning_sql}"
    )
    converters = tuple(
        tuple(conn.ops.get_db_converters(f.cached_col) + f.get_db_converters(conn))  # type: ignore[attr-defined]
        for f in returning
    )
    return _InsertPlan(sql, tuple(fields), returning, converters)


def insert(obj: Model) -> None:
    """Write a new model instance: what `obj.save(force_insert=True)` does, for a hot path.

    Django builds an INSERT afresh for every save, which costs more than running it: 0.30
    ms against 0.08 ms for an audit entry on SQLite. This sends the statement `save` would
    send, built once per model and database: the same fields, each value made by the
    field's own `pre_save` and `get_db_prep_save`, the primary key read back and converted
    as the ORM does (tests/core/test_insert.py compares every column with `save`'s). A
    model whose save does more (an overridden `save`, `pre_save`/`post_save` receivers,
    parents, database defaults) and an instance with its key set are saved by `save`.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    key = (model, alias)
    if key in _insert_plans:
        plan = _insert_plans[key]
    else:
        plan = _insert_plans[key] = _insert_plan(model, alias)
    if (
        plan is None
        or obj.pk is not None
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        obj.save(force_insert=True, using=alias)
        return
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    conn = connections[alias]
    values = [f.pre_save(obj, True) for f in plan.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        obj.save(force_insert=True, using=alias)  # an expression: the ORM compiles it
        return
    values = [f.get_db_prep_save(v, conn) for f, v in zip(plan.fields, values, strict=True)]
    with conn.cursor() as cursor:
        cursor.execute(plan.sql, values)
        row = cursor.fetchone()
    for value, field, converters in zip(row, plan.returning, plan.converters, strict=True):
        for convert in converters:
            value = convert(value, field.cached_col, conn)
        setattr(obj, field.attname, value)
    obj._state.db = alias
    obj._state.adding = False
