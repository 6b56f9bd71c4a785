"""A marker sealed in every kind of field appears in no column of any table, as text or as bytes."""

import uuid

from django.db import connection

from tests.ledger.rawsql import as_superuser, execute
from vault.api import field_open, fields_open, fields_seal, subject_create, subject_shred


def _columns() -> list[tuple[str, str, str, str]]:
    """(schema, table, column, type) of every column of every table this session can see, temp ones too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
            "AND (n.nspname = 'public' OR n.oid = pg_my_temp_schema())"
        )
        return cursor.fetchall()


def _tables_holding(marker: str) -> list[str]:
    """Every column whose value holds the marker: in its text form, or (bytea) in its raw bytes or its hex."""
    found = []
    raw, hexed = marker.encode(), marker.encode().hex()
    with connection.cursor() as cursor:
        for schema, table, column, type_name in _columns():
            target = f'"{schema}"."{table}"."{column}"'
            text_hit = f'position(%s in "{column}"::text) > 0 OR position(%s in "{column}"::text) > 0'
            params: list = [marker, hexed]
            if type_name == "bytea":
                text_hit += f' OR position(%s::bytea in "{column}") > 0'
                params.append(raw)
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {text_hit}', params)
            if cursor.fetchone()[0]:
                found.append(target)
    return found


def test_a_marker_sealed_in_each_field_is_in_no_column_of_any_table(db):
    marker = f"MARKER-{uuid.uuid4().hex}"
    requester = subject_create(kind="requester")
    donor = subject_create(kind="donor")
    values = {
        "name": f"{marker} name",
        "contact": f"signal:{marker}",
        "narrative": f"long story {marker} " * 50,
        "payout_details": f"IBAN {marker}",
        "document": f"%PDF-1.7 {marker}".encode(),
    }
    # The owning app keeps the blobs in its own table; a temporary one stands in for it here.
    execute("CREATE TEMP TABLE owning_app (subject uuid, field text, blob bytea)")
    for subject in (requester, donor):
        for field, blob in fields_seal(subject=subject, values=values).items():
            execute("INSERT INTO owning_app VALUES (%s, %s, %s)", [subject.reference, field, blob])
    with connection.cursor() as cursor:
        cursor.execute("SELECT field, blob FROM owning_app WHERE subject = %s", [requester.reference])
        blobs = {field: bytes(blob) for field, blob in cursor.fetchall()}
    assert (
        fields_open(subject=requester, blobs=blobs, reader_id=1, purpose="review")["name"] == values["name"]
    )
    field_open(subject=requester, field="contact", blob=blobs["contact"], reader_id=2, purpose="payout")
    subject_shred(subject=donor, by_id=3, reason="retention")

    with as_superuser():
        assert ("pg_temp", "owning_app") in {(s[:7], t) for s, t, _, _ in _columns()}
        assert _tables_holding(marker) == []
        assert _tables_holding("IBAN") == []  # nor a fragment of one


def test_the_scan_finds_a_marker_stored_in_the_clear_as_text_or_as_bytes(db):
    """The scan above would catch a leak: a marker stored plainly is found in both forms."""
    marker = f"MARKER-{uuid.uuid4().hex}"
    execute("CREATE TEMP TABLE leaky (note text, blob bytea)")
    execute("INSERT INTO leaky VALUES (%s, NULL), (NULL, %s)", [f"x {marker} y", f"x {marker} y".encode()])
    with as_superuser():
        assert sorted(column.rsplit(".", 1)[1] for column in _tables_holding(marker)) == ['"blob"', '"note"']
