"""Ledger tables; every invariant that SQL can state is enforced by PostgreSQL."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Length
from django.db.models.lookups import Exact

CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")

# Custom SQLSTATEs raised by the ledger's triggers; ledger.services maps them to
# domain exceptions.
SQLSTATE_UNBALANCED = "TL001"
SQLSTATE_PERIOD_CLOSED = "TL002"
SQLSTATE_IDEMPOTENCY = "TL003"
SQLSTATE_REVERSAL = "TL004"
SQLSTATE_CHAIN = "TL005"


def _protect(model: str) -> list[pgtrigger.Trigger]:
    """Append-only: UPDATE, DELETE and TRUNCATE are rejected by the database."""
    return [
        pgtrigger.Protect(name=f"{model}_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        pgtrigger.Trigger(
            name=f"{model}_no_truncate",
            when=pgtrigger.Before,
            operation=pgtrigger.Truncate,
            level=pgtrigger.Statement,
            func="RAISE EXCEPTION 'ledger tables are append-only' USING ERRCODE = 'TL006';",
        ),
    ]


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    NET_ASSETS = "net_assets", "Net assets"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"


class AccountRole(models.TextChoices):
    """System purposes other apps look accounts up by (one per currency)."""

    STRIPE_CLEARING = "stripe_clearing", "Stripe clearing"
    BANK = "bank", "Bank"
    DONATIONS_INCOME = "donations_income", "Donations income"
    PROCESSING_FEES = "processing_fees", "Payment processing fees"
    GRANTS_EXPENSE = "grants_expense", "Grants expense"
    GRANTS_PAYABLE = "grants_payable", "Grants payable"
    FX_TRADING = "fx_trading", "Currency trading"
    NET_ASSETS = "net_assets", "Net assets"
    FUND_TRANSFERS = "fund_transfers", "Transfers between funds"


class EntryKind(models.TextChoices):
    MANUAL = "manual", "Manual adjustment"
    OPENING = "opening", "Opening balance"
    CONTRIBUTION = "contribution", "Contribution"
    FEE = "fee", "Processing fee"
    REFUND = "refund", "Refund"
    GRANT = "grant", "Grant approval"
    PAYOUT = "payout", "Payout"
    FUND_TRANSFER = "fund_transfer", "Transfer between funds"
    FX_CONVERSION = "fx_conversion", "Currency conversion"
    REVERSAL = "reversal", "Reversal"


class Fund(models.Model):
    """The nonprofit dimension: the general fund or a campaign's restricted fund."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    restricted = models.BooleanField(default=False)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class Account(models.Model):
    """An account of the chart, in exactly one currency."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=AccountType.choices)
    currency = models.CharField(max_length=3)
    role = models.CharField(max_length=32, choices=AccountRole.choices, null=True, blank=True)
    # Lowest balance any (account, fund) pair may reach, in minor units; null = none.
    floor = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=CURRENCY_CODE, name="account_currency_iso"),
            models.CheckConstraint(condition=Q(type__in=AccountType.values), name="account_type_valid"),
            models.UniqueConstraint(fields=["id", "currency"], name="account_id_currency"),
            models.UniqueConstraint(
                fields=["role", "currency"],
                condition=Q(role__isnull=False),
                name="account_role_per_currency",
            ),
        ]
        triggers = [
            # Type and currency are what every posting was made under; whether
            # the account has a floor decides how its balances are kept.
            pgtrigger.Protect(
                name="account_currency_type_fixed",
                operation=pgtrigger.UpdateOf("currency", "type"),
            ),
            pgtrigger.Protect(name="account_floor_fixed", operation=pgtrigger.UpdateOf("floor")),
            pgtrigger.Protect(name="account_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Entry(models.Model):
    """A journal entry: two or more postings that sum to zero per currency and fund."""

    idempotency_key = models.UUIDField(unique=True)
    request_hash = models.BinaryField()
    date = models.DateField()
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    memo = models.CharField(max_length=500, blank=True, default="")
    source_type = models.CharField(max_length=64, blank=True, default="")
    source_id = models.CharField(max_length=128, blank=True, default="")
    # One-to-one: migration 0009 keeps that as a partial unique index,
    # entry_reversed_once, over the entries that reverse another.
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    fx_rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    fx_rate_source = models.CharField(max_length=64, blank=True, default="")
    leg_count = models.SmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(db_default=models.Func(function="now"))
    # Creating transaction's id; lets the sealer know when every older entry is committed.
    txid = models.BigIntegerField(
        db_default=Cast(
            Cast(models.Func(function="pg_current_xact_id"), models.TextField()),
            models.BigIntegerField(),
        )
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["txid"], name="entry_txid"),
            models.Index(fields=["date", "id"], name="entry_date"),
            # Entries are looked up by their source; manual ones have none.
            models.Index(
                fields=["source_type", "source_id"], name="entry_source", condition=~Q(source_type="")
            ),
        ]
        # The row rules (kind, leg count, reversal, rate) are enforced by the
        # posting check below, under the names entry_kind_valid and entry_rules:
        # see ENTRY_RULES for why they are not CHECK constraints.
        # Migration 0005 adds the deferred foreign key entry_legs_complete_fk:
        # (id, leg_count) references the posting (entry_id, leg_no), so no entry
        # commits without its last leg; with the posting check below (legs are
        # numbered 1..n without gaps at the end of every statement) that is every leg.
        triggers = _protect("entry")

    def __str__(self) -> str:
        return f"entry {self.pk}"


def _add_to_balances(source: str, alias: str, where: str) -> str:
    """SQL adding the amounts of the rows of `source` (as `alias`) to their balance rows.

    The upsert only ever takes its DO UPDATE branch (every pair posted to has a
    row) and locks the rows in (account, fund) order, so concurrent writers
    cannot deadlock; the proposed row carries no floor, so the floor CHECK sees
    only the real new balance. Shared by the posting check (accounts with a
    floor) and the checkpoint fold (the others).
    """
    return f"""    INSERT INTO ledger_balance AS b (account_id, fund_id, currency, balance, floor)
    SELECT {alias}.account_id, {alias}.fund_id, min({alias}.currency), sum({alias}.amount), NULL
      FROM {source} {alias}
     WHERE {where}
     GROUP BY {alias}.account_id, {alias}.fund_id
     ORDER BY {alias}.account_id, {alias}.fund_id
    ON CONFLICT (account_id, fund_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance;
"""


_FLOORED_POSTINGS_TO_BALANCES = _add_to_balances(
    "new_rows",
    "n",
    "EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = n.account_id AND a.floor IS NOT NULL)",
)

# The rules of single entry and posting rows. They were CHECK constraints, but
# PostgreSQL parses and plans every CHECK expression again for each INSERT
# statement: for one posted entry that cost a fifth of the server's work (about
# 200,000 instructions, measured with callgrind). posting_checks reads every
# row they concern anyway, from a plan it keeps, so it enforces them instead,
# raising the same SQLSTATE (check_violation) and constraint names. Every
# committed entry passes through it: entry_legs_complete_fk lets no entry
# commit without postings, and postings cannot be added before their entry.
# Both are written NULL-free, so that NOT (rule) is true for every breach.
# The kinds as an IN list: a regular expression match cost 12,000 instructions per entry.
ENTRY_KINDS_SQL = "(" + ", ".join(f"'{kind}'" for kind in EntryKind.values) + ")"
ENTRY_RULES = (
    # two or more legs; only a reversal reverses; a rate and its source come together
    "e.leg_count >= 2 AND (e.reverses_id IS NULL OR e.kind = 'reversal')"
    " AND (e.fx_rate IS NULL) = (e.fx_rate_source = '') AND (e.fx_rate IS NULL OR e.fx_rate > 0)"
)
POSTING_RULES = "n.amount <> 0 AND n.leg_no >= 1 AND n.leg_no <= n.leg_count"

POSTING_CHECKS = f"""
-- One query sums up the statement for the usual case: every entry it touches
-- gets all its legs here, in one currency and fund, summing to zero; they name
-- existing accounts and entries, follow the row rules above, and reverse
-- nothing, outside any closed period. Anything else (a problem, legs spread
-- over statements, several currencies or funds, a reversal) takes the detailed
-- checks below. (LATERAL ... LIMIT 1 keeps the planner, blind to the transition
-- table's size, on index lookups. Closed periods, a handful of rows, are
-- compared directly: starting a GiST scan per entry cost more. The leg's
-- balance row stands in for its account: its currency is the account's, by
-- balance_account_currency_fk, and its floor the account's, by
-- balance_born_at_zero, floors being fixed. A leg to a pair with no balance row
-- yet counts as a problem, so the detailed checks look at its account.)
--
-- Every plan node and aggregate costs its set-up on each statement, more than
-- running it on a few rows (callgrind: the set-up was two thirds of this
-- query), so the query is kept small. The legs are grouped by entry, currency
-- and fund: an entry whose legs span several groups has fewer legs in each
-- than its leg count, a problem. What a leg or an entry tells the branches
-- below is packed into one integer and OR-ed together:
--   1  problem: take the detailed checks
--   2  a leg on a floored account: keep its balance row current
--   4  a leg to an (account, fund) with no balance row yet (always with 1)
SELECT bit_or(x.flags) AS flags
  INTO summary
  FROM (SELECT y.flags
               | CASE WHEN y.total <> 0 OR y.legs IS DISTINCT FROM e.leg_count
                        OR y.min_leg_count <> y.max_leg_count OR y.max_leg_count <> e.leg_count
                        OR e.reverses_id IS NOT NULL
                        OR e.kind NOT IN {ENTRY_KINDS_SQL} OR NOT ({ENTRY_RULES})
                        OR EXISTS (SELECT 1 FROM ledger_closedperiod c
                                    WHERE c.start_date <= e.date AND e.date <= c.end_date)
                      THEN 1 ELSE 0 END AS flags
          FROM (SELECT n.entry_id, count(*) AS legs, sum(n.amount) AS total,
                       min(n.leg_count) AS min_leg_count, max(n.leg_count) AS max_leg_count,
                       bit_or(CASE WHEN b.currency IS NULL THEN 5
                                   WHEN b.currency <> n.currency OR NOT ({POSTING_RULES}) THEN 1
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
      FROM new_rows n WHERE NOT ({POSTING_RULES})
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
    SELECT e.id, e.kind IN {ENTRY_KINDS_SQL} AS kind_valid INTO bad
      FROM (SELECT DISTINCT entry_id FROM new_rows) t
     CROSS JOIN LATERAL (SELECT * FROM ledger_entry e WHERE e.id = t.entry_id LIMIT 1) e
     WHERE e.kind NOT IN {ENTRY_KINDS_SQL} OR NOT ({ENTRY_RULES})
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
                USING ERRCODE = '{SQLSTATE_PERIOD_CLOSED}';
        END IF;
        IF bad.legs <> bad.last_leg THEN
            RAISE EXCEPTION 'entry % has % postings up to leg %: legs are added in order from 1',
                bad.id, bad.legs, bad.last_leg USING ERRCODE = '{SQLSTATE_UNBALANCED}';
        END IF;
        IF bad.unbalanced THEN
            RAISE EXCEPTION 'entry % does not balance per currency and fund', bad.id
                USING ERRCODE = '{SQLSTATE_UNBALANCED}';
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
                USING ERRCODE = '{SQLSTATE_REVERSAL}';
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
{_FLOORED_POSTINGS_TO_BALANCES}END IF;
RETURN NULL;
"""


class Posting(models.Model):
    """One leg of an entry: signed amount (debit positive) in minor units."""

    # The posting check below stands in for foreign keys to the entry (with its
    # leg count) and to the account (with its currency); the fund is checked by
    # the balance row's foreign key. Indexes: posting_entry_leg and
    # posting_account_id lead with entry and account.
    entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, related_name="postings", db_constraint=False, db_index=False
    )
    leg_no = models.SmallIntegerField()
    leg_count = models.SmallIntegerField()
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_constraint=False, db_index=False
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="postings", db_constraint=False, db_index=False
    )
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["entry_id", "leg_no"]
        indexes = [
            models.Index(fields=["account", "id"], include=["amount"], name="posting_account_id"),
            models.Index(fields=["fund", "id"], name="posting_fund_id"),
        ]
        # The row rules (non-zero amount, leg number within the leg count) are
        # enforced by posting_checks as posting_rules (see ENTRY_RULES); the
        # currency is the account's, which it compares and account_currency_iso
        # keeps ISO-shaped.
        constraints = [
            models.UniqueConstraint(fields=["entry", "leg_no"], name="posting_entry_leg"),
        ]
        triggers = [
            *_protect("posting"),
            # One set-based check per statement (references, entries, balances);
            # the per-entry foreign key of migration 0005 is the part left for COMMIT.
            pgtrigger.Trigger(
                name="posting_checks",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                declare=[("bad", "record"), ("summary", "record")],
                func=POSTING_CHECKS,
            ),
        ]

    def __str__(self) -> str:
        return f"posting {self.pk}"


class Balance(models.Model):
    """Balance of one (account, fund), kept by the database.

    Current for an account with a floor; for any other account, the balance as
    of the latest checkpoint (ledger.selectors add the postings since).
    """

    # References its account through (account_id, currency) (migration 0002);
    # balance_account_fund indexes account_id.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="balances", db_constraint=False, db_index=False
    )
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3)
    balance = models.BigIntegerField(default=0)
    floor = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "fund"], name="balance_account_fund"),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(balance__gte=models.F("floor")),
                name="balance_above_floor",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="balance_no_delete", operation=pgtrigger.Delete),
            # A balance row is born at zero, with its account's floor (which
            # posting_checks reads from the row): only inserted rows fire this,
            # not the upserts that add to existing rows.
            pgtrigger.Trigger(
                name="balance_born_at_zero",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Row,
                func="""
                IF NEW.balance <> 0 OR NEW.floor IS DISTINCT FROM
                        (SELECT a.floor FROM ledger_account a WHERE a.id = NEW.account_id) THEN
                    RAISE EXCEPTION 'a balance row starts at zero with its account''s floor'
                        USING ERRCODE = 'TL007';
                END IF;
                RETURN NULL;
                """,
            ),
            # Balance rows change only through the posting trigger (nested one
            # level deeper); a direct UPDATE would let a balance drift from its
            # postings.
            pgtrigger.Trigger(
                name="balance_only_from_postings",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                level=pgtrigger.Statement,
                func="""
                IF pg_trigger_depth() < 2 THEN
                    RAISE EXCEPTION 'balances change only by posting entries'
                        USING ERRCODE = 'TL007';
                END IF;
                RETURN NULL;
                """,
            ),
        ]


CHECKPOINT_PREPARE = """
-- One checkpoint at a time, each continuing the one before.
LOCK TABLE ledger_checkpoint IN SHARE ROW EXCLUSIVE MODE;
SELECT * INTO prev FROM ledger_checkpoint ORDER BY id DESC LIMIT 1;
NEW.previous_horizon := coalesce(prev.posting_horizon, 0);
NEW.posting_horizon := NEW.previous_horizon;
-- The previous checkpoint's candidate becomes the horizon once every
-- transaction that could still add a posting up to it has ended: a posting
-- transaction has its id before it draws posting ids (it writes its entry
-- first), so it is older than the candidate's transaction id.
IF prev.candidate > NEW.previous_horizon
   AND pg_snapshot_xmin(pg_current_snapshot())::text::bigint > prev.candidate_txid THEN
    NEW.posting_horizon := prev.candidate;
END IF;
NEW.candidate := greatest(coalesce(pg_sequence_last_value('ledger_posting_id_seq'), 0), NEW.posting_horizon);
NEW.candidate_txid := pg_current_xact_id()::text::bigint;
NEW.created_at := now();
RETURN NEW;
"""

_FOLDED_POSTINGS_TO_BALANCES = _add_to_balances(
    "ledger_posting",
    "p",
    "p.id > NEW.previous_horizon AND p.id <= NEW.posting_horizon\n"
    "       AND EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = p.account_id AND a.floor IS NULL)",
)

CHECKPOINT_FOLD = f"""
-- Fold the postings between the two horizons into the balance rows of the
-- accounts without a floor (the others are always current).
IF NEW.posting_horizon > NEW.previous_horizon THEN
{_FOLDED_POSTINGS_TO_BALANCES}END IF;
RETURN NULL;
"""


class Checkpoint(models.Model):
    """A point up to which the balance rows of accounts without a floor include every posting.

    Written only by ledger.services.balances_checkpoint; the database fills in
    every column itself, so a checkpoint cannot skip a posting still in flight.
    """

    posting_horizon = models.BigIntegerField(default=0)
    previous_horizon = models.BigIntegerField(default=0)
    candidate = models.BigIntegerField(default=0)
    candidate_txid = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(db_default=models.Func(function="now"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(posting_horizon__gte=models.F("previous_horizon")), name="checkpoint_forward"
            ),
        ]
        triggers = [
            *_protect("checkpoint"),
            pgtrigger.Trigger(
                name="checkpoint_prepare",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("prev", "ledger_checkpoint")],
                func=CHECKPOINT_PREPARE,
            ),
            pgtrigger.Trigger(
                name="checkpoint_fold",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=CHECKPOINT_FOLD,
            ),
        ]


class ClosedPeriod(models.Model):
    """An accounting period no entry may be dated in; periods never reopen."""

    start_date = models.DateField()
    end_date = models.DateField()
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")), name="period_dates_ordered"
            ),
        ]
        triggers = _protect("closedperiod")


class Seal(models.Model):
    """An entry's place in the hash chain: sequence number, previous hash, own hash."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, primary_key=True, related_name="seal")
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.BinaryField()
    hash = models.BinaryField()
    sealed_at = models.DateTimeField(db_default=models.Func(function="now"))

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="seal_seq_positive"),
        ]
        triggers = [
            *_protect("seal"),
            pgtrigger.Trigger(
                name="seal_links_to_previous",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=f"""
                IF NEW.seq = 1 THEN
                    IF NEW.prev_hash <> '\\x{"00" * 32}'::bytea THEN
                        RAISE EXCEPTION 'first seal must follow the zero hash'
                            USING ERRCODE = '{SQLSTATE_CHAIN}';
                    END IF;
                ELSIF NOT EXISTS (SELECT 1 FROM ledger_seal
                                   WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
                    RAISE EXCEPTION 'seal % does not link to seal %', NEW.seq, NEW.seq - 1
                        USING ERRCODE = '{SQLSTATE_CHAIN}';
                END IF;
                RETURN NEW;
                """,
            ),
        ]


class SealerState(models.Model):
    """The sealer's horizon: every entry of a transaction older than this is sealed."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    txid_horizon = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="sealer_state_singleton")]


class SignedCheckpoint(models.Model):
    """A chain head (sequence number and hash) signed by the sealer's Ed25519 key.

    Copies held outside the database let verify_ledger catch a chain rewritten
    or cut short by someone who can bypass the triggers. Written only by
    ledger.anchoring.checkpoint_sign; what is signed is ledger.signing's message.
    """

    seq = models.BigIntegerField(unique=True)
    head_hash = models.BinaryField()
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.BinaryField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="signed_checkpoint_seq_positive"),
            models.CheckConstraint(
                condition=Exact(Length("head_hash"), 32), name="signed_checkpoint_hash_length"
            ),
            models.CheckConstraint(
                condition=Exact(Length("signature"), 64), name="signed_checkpoint_signature_length"
            ),
        ]
        triggers = [
            *_protect("signedcheckpoint"),
            pgtrigger.Trigger(
                name="signed_checkpoint_names_the_chain",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=f"""
                IF NOT EXISTS (SELECT 1 FROM public.ledger_seal
                                WHERE seq = NEW.seq AND hash = NEW.head_hash) THEN
                    RAISE EXCEPTION 'signed checkpoint % names no sealed head', NEW.seq
                        USING ERRCODE = '{SQLSTATE_CHAIN}';
                END IF;
                IF EXISTS (SELECT 1 FROM public.ledger_signedcheckpoint WHERE seq >= NEW.seq) THEN
                    RAISE EXCEPTION 'signed checkpoint % does not move past the last one', NEW.seq
                        USING ERRCODE = '{SQLSTATE_CHAIN}';
                END IF;
                RETURN NEW;
                """,
            ),
        ]
