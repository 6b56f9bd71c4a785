-- Fold the postings between the two horizons into the balance rows of the
-- accounts without a floor (the others are always current).
IF NEW.posting_horizon > NEW.previous_horizon THEN
    INSERT INTO ledger_balance AS b (account_id, fund_id, currency, balance, floor)
    SELECT p.account_id, p.fund_id, min(p.currency), sum(p.amount), NULL
      FROM ledger_posting p
     WHERE p.id > NEW.previous_horizon AND p.id <= NEW.posting_horizon
       AND EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = p.account_id AND a.floor IS NULL)
     GROUP BY p.account_id, p.fund_id
     ORDER BY p.account_id, p.fund_id
    ON CONFLICT (account_id, fund_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance;
END IF;
RETURN NULL;
