"""Two helpers for the balance reads (trial balance, fund balances).

ledger_sum(bigint): an exact sum that stays a bigint. The built-in sum(bigint)
returns numeric and keeps a numeric state per group, which cost a seventh of
the trial balance's server time (callgrind). It adds with int8pl, so a total
beyond the bigint range raises "bigint out of range" rather than wrapping:
never a wrong figure.

ledger_unfolded_postings(): the postings no balance row holds yet (after the
latest checkpoint, on accounts without a floor). Written into the readers'
query as `p.id > (SELECT horizon ...)`, the planner could not know the horizon
and guessed a third of all postings: on a large ledger it chose parallel or
sequential scans of the whole table for what is a few seconds' worth of
postings (10 to 15 ms of a 50 ms trial balance). Here the horizon goes into
the query as a literal, so the planner sees how few postings follow it. STABLE,
so it reads with the calling query's snapshot: the horizon and the balance rows
it is added to always agree, even while a checkpoint commits.
"""

from django.db import migrations

FORWARD = """
CREATE AGGREGATE ledger_sum(bigint) (
    SFUNC = int8pl, STYPE = bigint, COMBINEFUNC = int8pl, PARALLEL = SAFE
);

CREATE FUNCTION ledger_unfolded_postings()
RETURNS TABLE (account_id bigint, fund_id bigint, currency varchar, amount bigint)
LANGUAGE plpgsql STABLE ROWS 100 AS $$
DECLARE
    v_horizon bigint;
BEGIN
    SELECT c.posting_horizon INTO v_horizon FROM ledger_checkpoint c ORDER BY c.id DESC LIMIT 1;
    RETURN QUERY EXECUTE format(
        'SELECT p.account_id, p.fund_id, p.currency, p.amount FROM ledger_posting p
          WHERE p.id > %s
            AND EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = p.account_id AND a.floor IS NULL)',
        coalesce(v_horizon, 0));
END
$$;
"""

BACKWARD = """
DROP FUNCTION ledger_unfolded_postings();
DROP AGGREGATE ledger_sum(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0011_balance_row_stands_in_for_account"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
