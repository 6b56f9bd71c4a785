"""Posting functions with fewer statements.

ledger_post_entry writes the entry and its postings in one statement (each SQL
statement a function runs has its own executor start-up and snapshot).
ledger_post_entries answers from what it inserted when every key was new, the
usual case, instead of parsing its input twice more to look every key up.
"""

from importlib import import_module

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_post_entry(
    p_key uuid, p_request_hash bytea, p_date date, p_kind text, p_postings jsonb,
    p_memo text DEFAULT '', p_source_type text DEFAULT '', p_source_id text DEFAULT '',
    p_reverses_id bigint DEFAULT NULL, p_fx_rate numeric DEFAULT NULL,
    p_fx_rate_source text DEFAULT '', p_created_by bigint DEFAULT NULL,
    OUT entry_id bigint, OUT replayed boolean
)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_hash bytea;
BEGIN
    -- The entry and all its legs in one statement: posting_checks refuses a
    -- bad entry at its end.
    WITH ins AS (
        INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type,
                                  source_id, reverses_id, fx_rate, fx_rate_source, leg_count,
                                  created_by_id)
        VALUES (p_key, p_request_hash, p_date, p_kind, p_memo, p_source_type, p_source_id,
                p_reverses_id, p_fx_rate, p_fx_rate_source, jsonb_array_length(p_postings),
                p_created_by)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, leg_count
    ), legs AS (
        INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount)
        SELECT ins.id, p.leg_no, ins.leg_count, p.account_id, p.fund_id, p.currency, p.amount
          FROM ins CROSS JOIN jsonb_to_recordset(p_postings)
               AS p(leg_no smallint, account_id bigint, fund_id bigint, currency text, amount bigint)
    )
    SELECT ins.id INTO entry_id FROM ins;

    replayed := entry_id IS NULL;
    IF replayed THEN
        -- A new statement: it sees an entry that a concurrent poster of the
        -- same key committed while this one waited on the key.
        SELECT e.id, e.request_hash INTO entry_id, v_hash
          FROM ledger_entry e WHERE e.idempotency_key = p_key;
        IF v_hash IS DISTINCT FROM p_request_hash THEN
            RAISE EXCEPTION 'idempotency key % was used for a different request', p_key
                USING ERRCODE = 'TL003';
        END IF;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION ledger_post_entries(p_entries jsonb)
RETURNS TABLE (idempotency_key uuid, entry_id bigint, replayed boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_keys uuid[];
    v_ids bigint[];
    v_inserted bigint;
    v_conflict uuid;
BEGIN
    WITH src AS MATERIALIZED (
        SELECT * FROM ROWS FROM (jsonb_to_recordset(p_entries) AS (
            key uuid, request_hash text, date date, kind text, memo text,
            source_type text, source_id text, reverses_id bigint, fx_rate numeric,
            fx_rate_source text, created_by bigint, postings jsonb)) WITH ORDINALITY AS x(
            key, request_hash, date, kind, memo, source_type, source_id, reverses_id, fx_rate,
            fx_rate_source, created_by, postings, ord)
    ), ins AS (
        INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type,
                                  source_id, reverses_id, fx_rate, fx_rate_source, leg_count,
                                  created_by_id)
        SELECT key, decode(request_hash, 'hex'), date, kind, coalesce(memo, ''),
               coalesce(source_type, ''), coalesce(source_id, ''), reverses_id, fx_rate,
               coalesce(fx_rate_source, ''), jsonb_array_length(postings), created_by
          FROM src
         -- Keys in one order for every caller: overlapping batches wait, never deadlock.
         ORDER BY key
        ON CONFLICT ON CONSTRAINT ledger_entry_idempotency_key_key DO NOTHING
        RETURNING id, ledger_entry.idempotency_key AS key, leg_count
    ), legs AS (
    INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount)
    SELECT ins.id, p.leg_no, ins.leg_count, p.account_id, p.fund_id, p.currency, p.amount
      FROM ins JOIN src ON src.key = ins.key
     CROSS JOIN LATERAL jsonb_to_recordset(src.postings)
           AS p(leg_no smallint, account_id bigint, fund_id bigint, currency text, amount bigint)
     ORDER BY p.account_id, p.fund_id
    )
    SELECT array_agg(src.key ORDER BY src.ord), array_agg(ins.id ORDER BY src.ord), count(ins.id)
      INTO v_keys, v_ids, v_inserted
      FROM src LEFT JOIN ins ON ins.key = src.key;

    IF v_inserted = cardinality(v_keys) THEN
        RETURN QUERY SELECT u.key, u.id, false FROM unnest(v_keys, v_ids) WITH ORDINALITY AS u(key, id, ord)
                      ORDER BY u.ord;
        RETURN;
    END IF;

    -- Some keys were posted before (or by a concurrent caller, whose entries
    -- this new statement sees): replays if the request is the same, else a conflict.
    SELECT x.key INTO v_conflict
      FROM jsonb_to_recordset(p_entries) AS x(key uuid, request_hash text)
      JOIN LATERAL (SELECT e.request_hash FROM ledger_entry e
                     WHERE e.idempotency_key = x.key LIMIT 1) e ON true
     WHERE e.request_hash <> decode(x.request_hash, 'hex')
     LIMIT 1;
    IF v_conflict IS NOT NULL THEN
        RAISE EXCEPTION 'idempotency key % was used for a different request', v_conflict
            USING ERRCODE = 'TL003';
    END IF;

    RETURN QUERY
    SELECT u.key, coalesce(u.id, e.id), u.id IS NULL
      FROM unnest(v_keys, v_ids) WITH ORDINALITY AS u(key, id, ord)
      LEFT JOIN LATERAL (SELECT le.id FROM ledger_entry le
                          WHERE u.id IS NULL AND le.idempotency_key = u.key LIMIT 1) e ON true
     ORDER BY u.ord;
END
$fn$;
"""


def _previous(migration: str, start: str, end: str | None = None) -> str:
    sql = import_module(f"ledger.migrations.{migration}").FORWARD
    begin = sql.index(start)
    return sql[begin : sql.index(end, begin) if end else None]


# Going back: the functions as migrations 0006 and 0005 left them.
BACKWARD = _previous("0006_compact_checks", "CREATE FUNCTION ledger_post_entry(").replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
) + _previous("0005_posting_checks_and_checkpoints", "CREATE OR REPLACE FUNCTION ledger_post_entries(")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_compact_checks")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
