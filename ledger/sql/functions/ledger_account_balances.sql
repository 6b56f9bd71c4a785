-- ledger_current_balances for one account (in one fund or all of them): the
-- same sum, as static SQL, so that a session plans it once and reuses the plan
-- where the dynamic query is parsed and planned on every call. Without the
-- horizon as a literal, the planner still bounds the postings it reads by it
-- through an index on (account, id) or on id; the table is in id order, so
-- neither is costlier than reading the whole table. STABLE, so the horizon and
-- the rows are read in the caller's snapshot.
CREATE OR REPLACE FUNCTION ledger_account_balances(p_account_id bigint, p_fund_id bigint DEFAULT NULL)
RETURNS TABLE (account_id bigint, fund_id bigint, currency varchar, balance bigint)
LANGUAGE sql STABLE ROWS 10 SET search_path = pg_catalog, public, pg_temp AS $fn$
SELECT x.account_id, x.fund_id, min(x.currency)::varchar, ledger_sum(x.amount)
  FROM (SELECT b.account_id, b.fund_id, b.currency, b.balance AS amount
          FROM ledger_balance b
         WHERE b.account_id = p_account_id AND (p_fund_id IS NULL OR b.fund_id = p_fund_id)
        UNION ALL
        SELECT p.account_id, p.fund_id, p.currency, p.amount
          FROM ledger_posting p
         WHERE p.account_id = p_account_id AND (p_fund_id IS NULL OR p.fund_id = p_fund_id)
           AND p.id > coalesce((SELECT c.posting_horizon FROM ledger_checkpoint c
                                 ORDER BY c.id DESC LIMIT 1), 0)
           AND EXISTS (SELECT 1 FROM ledger_account a
                        WHERE a.id = p.account_id AND a.floor IS NULL)) x
 GROUP BY x.account_id, x.fund_id
$fn$;
