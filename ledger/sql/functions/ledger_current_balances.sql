-- The one definition of a current balance: the (account, fund) balance row plus
-- the postings no checkpoint has folded into it yet (those after the latest
-- checkpoint's horizon, on accounts without a floor; floored accounts' rows are
-- always current). Every reader of balances goes through here. The horizon goes
-- into the query as a literal so the planner sees how few postings follow it;
-- STABLE, so the horizon and the rows are read in the caller's snapshot. For
-- one account, ledger_account_balances sums the same rows with a plan the
-- session keeps (an account's balance is read on every account request).
CREATE OR REPLACE FUNCTION ledger_current_balances(p_account_id bigint DEFAULT NULL,
                                                   p_fund_id bigint DEFAULT NULL)
RETURNS TABLE (account_id bigint, fund_id bigint, currency varchar, balance bigint)
LANGUAGE plpgsql STABLE ROWS 1000 SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_horizon bigint;
BEGIN
    IF p_account_id IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ledger_account_balances(p_account_id, p_fund_id);
        RETURN;
    END IF;
    SELECT c.posting_horizon INTO v_horizon FROM ledger_checkpoint c ORDER BY c.id DESC LIMIT 1;
    RETURN QUERY EXECUTE format(
        'SELECT x.account_id, x.fund_id, min(x.currency)::varchar, ledger_sum(x.amount)
           FROM (SELECT b.account_id, b.fund_id, b.currency, b.balance AS amount
                   FROM ledger_balance b
                  WHERE ($1 IS NULL OR b.account_id = $1) AND ($2 IS NULL OR b.fund_id = $2)
                 UNION ALL
                 SELECT p.account_id, p.fund_id, p.currency, p.amount
                   FROM ledger_posting p
                  WHERE p.id > %s
                    AND ($1 IS NULL OR p.account_id = $1) AND ($2 IS NULL OR p.fund_id = $2)
                    AND EXISTS (SELECT 1 FROM ledger_account a
                                 WHERE a.id = p.account_id AND a.floor IS NULL)) x
          GROUP BY x.account_id, x.fund_id',
        coalesce(v_horizon, 0))
    USING p_account_id, p_fund_id;
END
$fn$;
