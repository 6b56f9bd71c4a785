"""Model rows through hand-written SQL, for the few hot paths where compiling the ORM's query
costs several times what PostgreSQL spends running it.

The columns come from the models' own fields, values are converted as the ORM
converts them (JSON, for one), and instances come out as the ORM builds them.
No pre_save or post_save signal is sent: use these only for models nothing
listens to.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DatabaseError, connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _fields(model: type[Model]) -> tuple[tuple[Field, ...], tuple[str, ...], tuple[Converter | None, ...]]:
    fields = tuple(model._meta.concrete_fields)
    converters = []
    for field in fields:
        found = field.get_db_converters(connection)
        converters.append(found[0] if len(found) == 1 else _chain(found) if found else None)
    return fields, tuple(field.attname for field in fields), tuple(converters)


def _chain(converters: list[Converter]) -> Converter:
    def convert(value: Any, expression: Any, conn: Any) -> Any:
        for converter in converters:
            value = converter(value, expression, conn)
        return value

    return convert


def _quote(name: str | None) -> str:
    return str(connection.ops.quote_name(str(name)))


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The model's columns, in the order `instance` reads them, qualified by the table's alias."""
    return ", ".join(f"{alias}.{_quote(field.column)}" for field in _fields(model)[0])


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> tuple[M, int]:
    """The instance whose `columns` begin at `start` of the row, and where the next model's begin."""
    fields, names, converters = _fields(model)
    end = start + len(fields)
    values = list(row[start:end])
    for i, converter in enumerate(converters):
        if converter is not None and values[i] is not None:
            values[i] = converter(values[i], fields[i], connection)
    return model.from_db(connection.alias, names, values), end


@functools.cache
def _insert_sql(model: type[Model]) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    names = ", ".join(_quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table, pk = _quote(meta.db_table), _quote(meta.pk.column)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING {pk}", fields


def insert(obj: Model) -> None:
    """INSERT a new instance (its primary key is the database's to assign), as `save()` would."""
    sql, fields = _insert_sql(type(obj))
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        (obj.pk,) = cursor.fetchone()
    obj._state.adding = False
    obj._state.db = connection.alias


def update(obj: Model, names: Sequence[str]) -> None:
    """`save(update_fields=names)`: the row must exist."""
    meta = obj._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    assignments = ", ".join(f"{_quote(field.column)} = %s" for field in fields)
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_quote(meta.db_table)} SET {assignments} WHERE {_quote(meta.pk.column)} = %s",
            [*values, obj.pk],
        )
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
