-- Post many entries in one statement. p_entries is a JSON array of
-- {key, request_hash (hex), date, kind, memo, source_type, source_id,
--  reverses_id, fx_rate, fx_rate_source, created_by, postings: [...]};
-- keys are distinct within one call. Answers in input order.
CREATE OR REPLACE FUNCTION ledger_post_entries(p_entries jsonb)
RETURNS TABLE (idempotency_key uuid, entry_id bigint, replayed boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $fn$
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
