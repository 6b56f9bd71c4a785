-- What Django cannot declare: composite and deferred foreign keys, the bigint
-- sum, the sealer's single row. Run once, by migration 0002.

-- Django makes its foreign keys deferred. An entry's author, the entry it
-- reverses and a balance row's fund are checked when written, so that a refused
-- entry is refused by the posting call itself, not at some later COMMIT.
DO $do$
DECLARE c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
              WHERE contype = 'f' AND condeferrable
                AND conrelid IN ('ledger_entry'::regclass, 'ledger_balance'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER CONSTRAINT %I NOT DEFERRABLE', c.tbl, c.conname);
    END LOOP;
END
$do$;

-- A balance row is kept in its account's currency.
ALTER TABLE ledger_balance
  ADD CONSTRAINT balance_account_currency_fk FOREIGN KEY (account_id, currency)
      REFERENCES ledger_account (id, currency);

-- No entry commits without its last leg; posting_checks holds the legs to 1..n
-- at the end of every statement, so with this every leg is there.
ALTER TABLE ledger_entry
  ADD CONSTRAINT entry_legs_complete_fk FOREIGN KEY (id, leg_count)
      REFERENCES ledger_posting (entry_id, leg_no) DEFERRABLE INITIALLY DEFERRED;

-- An exact sum that stays a bigint (int8pl raises on overflow, never wraps);
-- the built-in sum(bigint) keeps a numeric state per group.
CREATE AGGREGATE ledger_sum(bigint) (
    SFUNC = int8pl, STYPE = bigint, COMBINEFUNC = int8pl, PARALLEL = SAFE
);

INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (1, 0);
