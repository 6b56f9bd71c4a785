"""Constraints the ORM cannot declare, and the server-side posting functions.

Composite foreign keys keep each posting in its account's currency and tie it to
its entry's leg count (so no posting can be added to a committed entry); the
exclusion constraint keeps closed periods from overlapping. The posting
functions write an entry and its postings in one round trip.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE ledger_posting
  ADD CONSTRAINT posting_account_currency_fk FOREIGN KEY (account_id, currency)
      REFERENCES ledger_account (id, currency),
  ADD CONSTRAINT posting_entry_leg_count_fk FOREIGN KEY (entry_id, leg_count)
      REFERENCES ledger_entry (id, leg_count);

ALTER TABLE ledger_balance
  ADD CONSTRAINT balance_account_currency_fk FOREIGN KEY (account_id, currency)
      REFERENCES ledger_account (id, currency);

ALTER TABLE ledger_closedperiod
  ADD CONSTRAINT closedperiod_no_overlap
      EXCLUDE USING gist (daterange(start_date, end_date, '[]') WITH &&);

INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (1, 0);

-- Post one entry. Replays (same key, same request hash) return the first entry
-- and write nothing; the same key with another hash raises TL003. Postings
-- arrive as [{leg_no, account_id, fund_id, currency, amount}, ...].
CREATE FUNCTION ledger_post_entry(
    p_key uuid, p_request_hash bytea, p_date date, p_kind text, p_memo text,
    p_source_type text, p_source_id text, p_reverses_id bigint,
    p_fx_rate numeric, p_fx_rate_source text, p_created_by bigint, p_postings jsonb
) RETURNS TABLE (entry_id bigint, replayed boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id bigint;
    v_hash bytea;
    v_legs smallint := jsonb_array_length(p_postings);
BEGIN
    INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type,
                              source_id, reverses_id, fx_rate, fx_rate_source, leg_count,
                              created_by_id)
    VALUES (p_key, p_request_hash, p_date, p_kind, p_memo, p_source_type, p_source_id,
            p_reverses_id, p_fx_rate, p_fx_rate_source, v_legs, p_created_by)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT e.id, e.request_hash INTO v_id, v_hash
          FROM ledger_entry e WHERE e.idempotency_key = p_key;
        IF v_hash IS DISTINCT FROM p_request_hash THEN
            RAISE EXCEPTION 'idempotency key % was used for a different request', p_key
                USING ERRCODE = 'TL003';
        END IF;
        RETURN QUERY SELECT v_id, true;
        RETURN;
    END IF;

    INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount)
    SELECT v_id, p.leg_no, v_legs, p.account_id, p.fund_id, p.currency, p.amount
      FROM jsonb_to_recordset(p_postings)
           AS p(leg_no smallint, account_id bigint, fund_id bigint, currency text, amount bigint);

    -- Run the deferred balance check now so the caller learns of a bad entry
    -- here, not at some later commit; it stays deferred for raw SQL.
    SET CONSTRAINTS ALL IMMEDIATE;
    SET CONSTRAINTS ALL DEFERRED;
    RETURN QUERY SELECT v_id, false;
END
$fn$;

-- Post many entries in one statement. p_entries is a JSON array of
-- {key, request_hash (hex), date, kind, memo, source_type, source_id,
--  reverses_id, fx_rate, fx_rate_source, created_by, postings: [...]};
-- keys must be distinct within one call.
CREATE FUNCTION ledger_post_entries(p_entries jsonb)
RETURNS TABLE (idempotency_key uuid, entry_id bigint, replayed boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_conflict uuid;
    v_new jsonb;
BEGIN
    WITH src AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(p_entries) AS x(
            key uuid, request_hash text, date date, kind text, memo text,
            source_type text, source_id text, reverses_id bigint, fx_rate numeric,
            fx_rate_source text, created_by bigint, postings jsonb)
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
    -- The keys this call inserted: anything else is a replay, even of an entry
    -- posted earlier in the caller's own transaction.
    SELECT coalesce(jsonb_object_agg(ins.key::text, ins.id), '{}') INTO v_new FROM ins;

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

    SET CONSTRAINTS ALL IMMEDIATE;
    SET CONSTRAINTS ALL DEFERRED;

    RETURN QUERY
    SELECT (x.doc->>'key')::uuid, e.id, NOT v_new ? ((x.doc->>'key')::uuid::text)
      FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(doc, ord)
      JOIN LATERAL (SELECT le.id FROM ledger_entry le
                     WHERE le.idempotency_key = (x.doc->>'key')::uuid LIMIT 1) e ON true
     ORDER BY x.ord;
END
$fn$;
"""

BACKWARD = r"""
DROP FUNCTION IF EXISTS ledger_post_entries(jsonb);
DROP FUNCTION IF EXISTS ledger_post_entry(uuid, bytea, date, text, text, text, text, bigint,
                                          numeric, text, bigint, jsonb);
ALTER TABLE ledger_closedperiod DROP CONSTRAINT IF EXISTS closedperiod_no_overlap;
ALTER TABLE ledger_balance DROP CONSTRAINT IF EXISTS balance_account_currency_fk;
ALTER TABLE ledger_posting DROP CONSTRAINT IF EXISTS posting_entry_leg_count_fk;
ALTER TABLE ledger_posting DROP CONSTRAINT IF EXISTS posting_account_currency_fk;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
