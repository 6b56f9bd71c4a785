DELETE FROM ledger_sealerstate;
DROP AGGREGATE IF EXISTS ledger_sum(bigint);
ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS entry_legs_complete_fk;
ALTER TABLE ledger_balance DROP CONSTRAINT IF EXISTS balance_account_currency_fk;
