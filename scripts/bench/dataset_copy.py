"""COPY plumbing for the bench dataset: rows streamed into PostgreSQL with `COPY ... FROM STDIN`, the
secondary indexes that may be dropped around it, and the id sequences set after it."""

import io
import json
from datetime import date, datetime

from django.db import connection


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    elif isinstance(value, (datetime, date)):
        return value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Stream(io.RawIOBase):
    """A file-like reader over an iterator of text lines, for copy_expert."""

    def __init__(self, lines):
        self._chunks = (line.encode() for line in lines)
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def copy_rows(model, rows) -> int:
    """COPY dicts of {attname: value} into the model's table; fields a row leaves out get the
    model's default, so a column added later by someone else does not break the loader."""
    fields = model._meta.concrete_fields
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
            defaults[f.attname] = ""
    names = [f.attname for f in fields]
    count = 0

    def lines():
        nonlocal count
        batch = []
        for row in rows:
            count += 1
            batch.append("\t".join(_text(row[n] if n in row else defaults.get(n)) for n in names) + "\n")
            if len(batch) >= 5000:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', _Stream(lines()))
    return count


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that no constraint owns, so they may be dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""",
            [table],
        )
        return cursor.fetchall()


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
            )
