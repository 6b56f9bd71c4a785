-- Post one entry and its legs in one statement; posting_checks refuses a bad
-- entry at the statement's end. A replay (same key, same request hash) returns
-- the first entry and writes nothing; the same key with another hash is TL003.
-- Legs arrive as [{leg_no, account_id, fund_id, currency, amount}, ...].
CREATE OR REPLACE FUNCTION ledger_post_entry(
    p_key uuid, p_request_hash bytea, p_date date, p_kind text, p_postings jsonb,
    p_memo text DEFAULT '', p_source_type text DEFAULT '', p_source_id text DEFAULT '',
    p_reverses_id bigint DEFAULT NULL, p_fx_rate numeric DEFAULT NULL,
    p_fx_rate_source text DEFAULT '', p_created_by bigint DEFAULT NULL,
    OUT entry_id bigint, OUT replayed boolean
)
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_hash bytea;
BEGIN
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
        -- A new statement, so it sees an entry that a concurrent poster of the
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
