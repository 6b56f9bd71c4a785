"""Ledger tables; every invariant that SQL can state is enforced by PostgreSQL."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

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
            # Type and currency are what every posting was made under.
            pgtrigger.Protect(
                name="account_currency_type_fixed",
                operation=pgtrigger.UpdateOf("currency", "type"),
            ),
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
            models.Index(fields=["source_type", "source_id"], name="entry_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(leg_count__gte=2), name="entry_two_legs"),
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="entry_kind_valid"),
            models.CheckConstraint(
                condition=Q(fx_rate__isnull=True, fx_rate_source="")
                | Q(fx_rate__gt=0) & ~Q(fx_rate_source=""),
                name="entry_fx_rate_with_source",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(kind="reversal"),
                name="entry_reversal_kind",
            ),
            models.UniqueConstraint(fields=["id", "leg_count"], name="entry_id_leg_count"),
        ]
        triggers = [
            *_protect("entry"),
            # One check per entry at commit: it is not dated in a closed period,
            # all its legs are present and they sum to zero per currency and fund,
            # and a reversal mirrors what it reverses. (period_close locks entries
            # against inserts, so a period cannot close under an entry in flight.)
            pgtrigger.Trigger(
                name="entry_balanced",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                declare=[("legs", "integer"), ("unbalanced", "boolean")],
                func=f"""
                IF EXISTS (SELECT 1 FROM ledger_closedperiod
                           WHERE daterange(start_date, end_date, '[]') @> NEW.date) THEN
                    RAISE EXCEPTION 'entry dated % falls in a closed period', NEW.date
                        USING ERRCODE = '{SQLSTATE_PERIOD_CLOSED}';
                END IF;
                SELECT coalesce(sum(g.n), 0), coalesce(bool_or(g.total <> 0), false)
                  INTO legs, unbalanced
                  FROM (SELECT count(*) AS n, sum(amount) AS total
                          FROM ledger_posting WHERE entry_id = NEW.id
                         GROUP BY currency, fund_id) g;
                IF legs <> NEW.leg_count THEN
                    RAISE EXCEPTION 'entry % has % postings, expected %', NEW.id, legs, NEW.leg_count
                        USING ERRCODE = '{SQLSTATE_UNBALANCED}';
                END IF;
                IF unbalanced THEN
                    RAISE EXCEPTION 'entry % does not balance per currency and fund', NEW.id
                        USING ERRCODE = '{SQLSTATE_UNBALANCED}';
                END IF;
                -- Nested, not "IS NOT NULL AND EXISTS": the executor would start the
                -- whole mirror query (about a third of this trigger) for every entry.
                IF NEW.reverses_id IS NOT NULL THEN
                    IF EXISTS (
                        (SELECT account_id, fund_id, currency, -amount FROM ledger_posting
                          WHERE entry_id = NEW.reverses_id
                         EXCEPT ALL
                         SELECT account_id, fund_id, currency, amount FROM ledger_posting
                          WHERE entry_id = NEW.id)
                        UNION ALL
                        (SELECT account_id, fund_id, currency, amount FROM ledger_posting
                          WHERE entry_id = NEW.id
                         EXCEPT ALL
                         SELECT account_id, fund_id, currency, -amount FROM ledger_posting
                          WHERE entry_id = NEW.reverses_id)
                    ) THEN
                        RAISE EXCEPTION 'reversal % does not mirror entry %', NEW.id, NEW.reverses_id
                            USING ERRCODE = '{SQLSTATE_REVERSAL}';
                    END IF;
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}"


class Posting(models.Model):
    """One leg of an entry: signed amount (debit positive) in minor units."""

    # The database references the entry and the account through the composite
    # keys (entry_id, leg_count) and (account_id, currency) of migration 0002,
    # and indexes them with posting_entry_leg and posting_account_id: plain
    # foreign keys and indexes on top would only double the work of every insert.
    entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, related_name="postings", db_constraint=False, db_index=False
    )
    leg_no = models.SmallIntegerField()
    leg_count = models.SmallIntegerField()
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_constraint=False, db_index=False
    )
    # The fund is checked once per (account, fund) pair, by the balance row's
    # foreign key: the balance trigger creates that row for every pair posted to.
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
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="posting_nonzero"),
            models.CheckConstraint(condition=CURRENCY_CODE, name="posting_currency_iso"),
            models.CheckConstraint(
                condition=Q(leg_no__gte=1) & Q(leg_no__lte=models.F("leg_count")),
                name="posting_leg_in_range",
            ),
            models.UniqueConstraint(fields=["entry", "leg_no"], name="posting_entry_leg"),
        ]
        triggers = [
            *_protect("posting"),
            # Balances follow postings in the same statement. Rows are created at
            # zero with their account's floor when a pair is first posted to (the
            # cheap EXISTS spares the usual case that INSERT). Then every row
            # exists, so the upsert only ever takes its DO UPDATE branch: it locks
            # and updates the rows in (account, fund) order, so concurrent posters
            # cannot deadlock, and the floor CHECK sees the real new balance (the
            # proposed row carries no floor, so its CHECK cannot trip).
            pgtrigger.Trigger(
                name="posting_update_balances",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func="""
                IF EXISTS (SELECT 1 FROM new_rows n
                            WHERE NOT EXISTS (SELECT 1 FROM ledger_balance b
                                               WHERE b.account_id = n.account_id
                                                 AND b.fund_id = n.fund_id)) THEN
                    INSERT INTO ledger_balance (account_id, fund_id, currency, balance, floor)
                    SELECT n.account_id, n.fund_id, min(n.currency), 0, min(a.floor)
                      FROM new_rows n JOIN ledger_account a ON a.id = n.account_id
                     GROUP BY n.account_id, n.fund_id
                     ORDER BY n.account_id, n.fund_id
                    ON CONFLICT (account_id, fund_id) DO NOTHING;
                END IF;
                INSERT INTO ledger_balance AS b (account_id, fund_id, currency, balance, floor)
                SELECT account_id, fund_id, min(currency), sum(amount), NULL
                  FROM new_rows
                 GROUP BY account_id, fund_id
                 ORDER BY account_id, fund_id
                ON CONFLICT (account_id, fund_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"posting {self.pk}"


class Balance(models.Model):
    """Running balance of one (account, fund): maintained by the database, read in O(1)."""

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
