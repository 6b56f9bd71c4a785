-- posting_checks: the statement-level check of every INSERT into ledger_posting.
-- Runs as the migration role (SECURITY DEFINER) with a pinned search path, so a
-- session's temporary tables cannot stand in for the ledger's and the runtime
-- role never needs to write balance rows itself.
--
-- One small summary query covers the usual case (every entry touched gets all
-- its legs in this statement, in one currency and fund, balancing, on known
-- accounts, outside closed periods, reversing nothing); anything else takes the
-- detailed checks below, which name the rule broken. A leg's balance row stands
-- in for its account: balance_account_currency_fk fixes its currency and
-- balance_born_at_zero its floor. Flags OR-ed over the legs:
--   1  problem: take the detailed checks
--   2  a leg on a floored account: keep its balance row current
--   4  a leg to an (account, fund) with no balance row yet (always with 1)
-- The kinds listed below are EntryKind's values (a test holds them equal).
SELECT bit_or(x.flags) AS flags
  INTO summary
  FROM (SELECT y.flags
               | CASE WHEN y.total <> 0 OR y.legs IS DISTINCT FROM e.leg_count
                        OR y.min_leg_count <> y.max_leg_count OR y.max_leg_count <> e.leg_count
                        OR e.reverses_id IS NOT NULL
                        OR e.kind NOT IN ('manual', 'opening', 'contribution', 'fee', 'refund', 'grant', 'payout', 'fund_transfer', 'fx_conversion', 'reversal') OR NOT (e.leg_count >= 2 AND (e.reverses_id IS NULL OR e.kind = 'reversal') AND (e.fx_rate IS NULL) = (e.fx_rate_source = '') AND (e.fx_rate IS NULL OR e.fx_rate > 0))
                        OR EXISTS (SELECT 1 FROM ledger_closedperiod c
                                    WHERE c.start_date <= e.date AND e.date <= c.end_date)
                      THEN 1 ELSE 0 END AS flags
          FROM (SELECT n.entry_id, count(*) AS legs, sum(n.amount) AS total,
                       min(n.leg_count) AS min_leg_count, max(n.leg_count) AS max_leg_count,
                       bit_or(CASE WHEN b.currency IS NULL THEN 5
                                   WHEN b.currency <> n.currency OR NOT (n.amount <> 0 AND n.leg_no >= 1 AND n.leg_no <= n.leg_count) THEN 1
                                   WHEN b.floor IS NOT NULL THEN 2
                                   ELSE 0 END) AS flags
                  FROM new_rows n
                  LEFT JOIN LATERAL (SELECT b.currency, b.floor FROM ledger_balance b
                                      WHERE b.account_id = n.account_id AND b.fund_id = n.fund_id
                                      LIMIT 1) b ON true
                 GROUP BY n.entry_id, n.currency, n.fund_id) y
          LEFT JOIN LATERAL (SELECT e.leg_count, e.date, e.reverses_id, e.kind, e.fx_rate,
                                    e.fx_rate_source
                               FROM ledger_entry e WHERE e.id = y.entry_id LIMIT 1) e ON true) x;

IF summary.flags & 1 <> 0 THEN
    -- 0. The row rules of the postings.
    SELECT n.entry_id, n.leg_no, n.leg_count, n.amount INTO bad
      FROM new_rows n WHERE NOT (n.amount <> 0 AND n.leg_no >= 1 AND n.leg_no <= n.leg_count)
     ORDER BY n.entry_id, n.leg_no LIMIT 1;
    IF FOUND THEN
        -- a non-zero amount; legs numbered from 1 to the leg count
        RAISE EXCEPTION 'posting % of % in entry % (amount %) breaks posting_rules',
            bad.leg_no, bad.leg_count, bad.entry_id, bad.amount
            USING ERRCODE = 'check_violation', CONSTRAINT = 'posting_rules';
    END IF;

    -- 1. References. Every posting names an account kept in the posting's
    -- currency, and an entry with the posting's leg count (in place of two
    -- composite foreign keys, whose per-row lookups cost more than the insert; no
    -- row lock is needed, as accounts and entries can be neither deleted nor
    -- changed in these columns).
    SELECT n.account_id, n.currency, a.currency AS account_currency,
           n.entry_id, n.leg_count, e.leg_count AS entry_leg_count
      INTO bad
      FROM new_rows n
      LEFT JOIN LATERAL (SELECT a.currency FROM ledger_account a WHERE a.id = n.account_id LIMIT 1) a ON true
      LEFT JOIN LATERAL (SELECT e.leg_count FROM ledger_entry e WHERE e.id = n.entry_id LIMIT 1) e ON true
     WHERE a.currency IS DISTINCT FROM n.currency OR e.leg_count IS DISTINCT FROM n.leg_count
     LIMIT 1;
    IF FOUND THEN
        IF bad.account_currency IS NULL THEN
            RAISE EXCEPTION 'no account %', bad.account_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'posting_account_currency_fk';
        ELSIF bad.account_currency <> bad.currency THEN
            RAISE EXCEPTION 'account % is kept in %, not %',
                bad.account_id, bad.account_currency, bad.currency
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'posting_account_currency_fk';
        ELSE
            RAISE EXCEPTION 'no entry % with % legs', bad.entry_id, bad.leg_count
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'posting_entry_leg_count_fk';
        END IF;
    END IF;

    -- 1b. The row rules of the entries posted to.
    SELECT e.id, e.kind IN ('manual', 'opening', 'contribution', 'fee', 'refund', 'grant', 'payout', 'fund_transfer', 'fx_conversion', 'reversal') AS kind_valid INTO bad
      FROM (SELECT DISTINCT entry_id FROM new_rows) t
     CROSS JOIN LATERAL (SELECT * FROM ledger_entry e WHERE e.id = t.entry_id LIMIT 1) e
     WHERE e.kind NOT IN ('manual', 'opening', 'contribution', 'fee', 'refund', 'grant', 'payout', 'fund_transfer', 'fx_conversion', 'reversal') OR NOT (e.leg_count >= 2 AND (e.reverses_id IS NULL OR e.kind = 'reversal') AND (e.fx_rate IS NULL) = (e.fx_rate_source = '') AND (e.fx_rate IS NULL OR e.fx_rate > 0))
     ORDER BY e.id LIMIT 1;
    IF FOUND THEN
        IF NOT bad.kind_valid THEN
            RAISE EXCEPTION 'entry % has an unknown kind', bad.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'entry_kind_valid';
        END IF;
        RAISE EXCEPTION 'entry % breaks entry_rules (two or more legs; only a reversal reverses; %)',
            bad.id, 'a positive rate comes with its source'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'entry_rules';
    END IF;

    -- 2. Every entry this statement added legs to: its legs so far are 1..n with
    -- no gap, it is not dated in a closed period, and once it has all its legs they
    -- sum to zero per currency and fund and, for a reversal, mirror the original.
    -- A complete entry can never change again, so it is checked exactly once.
    -- (period_close locks entries against inserts, so a period cannot close
    -- under an entry in flight.)
    FOR bad IN
        SELECT * FROM (
            SELECT e.id, e.date, e.leg_count, e.reverses_id, s.legs, s.last_leg, s.unbalanced,
                   EXISTS (SELECT 1 FROM ledger_closedperiod c
                            WHERE c.start_date <= e.date AND e.date <= c.end_date) AS closed
              FROM (SELECT DISTINCT entry_id FROM new_rows) t
             CROSS JOIN LATERAL (SELECT e.id, e.date, e.leg_count, e.reverses_id FROM ledger_entry e
                                  WHERE e.id = t.entry_id LIMIT 1) e
             CROSS JOIN LATERAL (SELECT sum(g.n) AS legs, max(g.last_leg) AS last_leg,
                                        bool_or(g.total <> 0) AS unbalanced
                                   FROM (SELECT count(*) AS n, max(p.leg_no) AS last_leg,
                                                sum(p.amount) AS total
                                           FROM ledger_posting p WHERE p.entry_id = t.entry_id
                                          GROUP BY p.currency, p.fund_id) g) s
        ) x
         WHERE x.closed OR x.legs <> x.last_leg
            OR (x.legs = x.leg_count AND (x.unbalanced OR x.reverses_id IS NOT NULL))
         ORDER BY x.id
    LOOP
        IF bad.closed THEN
            RAISE EXCEPTION 'entry dated % falls in a closed period', bad.date
                USING ERRCODE = 'TL002';
        END IF;
        IF bad.legs <> bad.last_leg THEN
            RAISE EXCEPTION 'entry % has % postings up to leg %: legs are added in order from 1',
                bad.id, bad.legs, bad.last_leg USING ERRCODE = 'TL001';
        END IF;
        IF bad.unbalanced THEN
            RAISE EXCEPTION 'entry % does not balance per currency and fund', bad.id
                USING ERRCODE = 'TL001';
        END IF;
        IF EXISTS (
            (SELECT account_id, fund_id, currency, -amount FROM ledger_posting
              WHERE entry_id = bad.reverses_id
             EXCEPT ALL
             SELECT account_id, fund_id, currency, amount FROM ledger_posting WHERE entry_id = bad.id)
            UNION ALL
            (SELECT account_id, fund_id, currency, amount FROM ledger_posting WHERE entry_id = bad.id
             EXCEPT ALL
             SELECT account_id, fund_id, currency, -amount FROM ledger_posting
              WHERE entry_id = bad.reverses_id)
        ) THEN
            RAISE EXCEPTION 'reversal % does not mirror entry %', bad.id, bad.reverses_id
                USING ERRCODE = 'TL004';
        END IF;
    END LOOP;
END IF;

-- 3. Balances. Every (account, fund) pair posted to has a balance row, created
-- at zero with the account's floor (the row's foreign key checks the fund).
-- Accounts with a floor (the bank, money that backs payouts) keep it current in
-- the same statement: the upsert only ever takes its DO UPDATE branch, locks
-- the rows in (account, fund) order so concurrent posters cannot deadlock, and
-- the floor CHECK sees the real new balance (the proposed row carries no floor).
-- The others (income, clearing, expenses: the busy accounts) are append-only:
-- their rows hold the balance as of the latest checkpoint, which folds in later
-- postings in the background, and readers add the postings since.
IF summary.flags & 4 <> 0 THEN
    INSERT INTO ledger_balance (account_id, fund_id, currency, balance, floor)
    SELECT n.account_id, n.fund_id, min(n.currency), 0, min(a.floor)
      FROM new_rows n JOIN ledger_account a ON a.id = n.account_id
     GROUP BY n.account_id, n.fund_id
     ORDER BY n.account_id, n.fund_id
    ON CONFLICT (account_id, fund_id) DO NOTHING;
END IF;
IF summary.flags & 6 <> 0 THEN
    INSERT INTO ledger_balance AS b (account_id, fund_id, currency, balance, floor)
    SELECT n.account_id, n.fund_id, min(n.currency), sum(n.amount), NULL
      FROM new_rows n
     WHERE EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = n.account_id AND a.floor IS NOT NULL)
     GROUP BY n.account_id, n.fund_id
     ORDER BY n.account_id, n.fund_id
    ON CONFLICT (account_id, fund_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance;
END IF;
RETURN NULL;
