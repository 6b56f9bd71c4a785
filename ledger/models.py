"""Ledger tables; every invariant that SQL can state is enforced by PostgreSQL."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Length, Now
from django.db.models.lookups import Exact

from ledger.sql import trigger_body

CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")


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
    # Reversed at most once: entry_reversed_once, a unique index over the
    # entries that reverse another only (most entries reverse nothing).
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        db_index=False,
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
        constraints = [
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="entry_reversed_once"
            ),
        ]
        # The row rules (kind, leg count, reversal, rate) are checked by
        # posting_checks, which reads every row they concern anyway: a CHECK is
        # planned again on every INSERT. entry_legs_complete_fk (deferred) is in
        # ledger/sql/constraints.sql. See ledger/sql for the table of rules.
        triggers = _protect("entry")

    def __str__(self) -> str:
        return f"entry {self.pk}"

    @property
    def reversed_by(self) -> "Entry | None":
        """The entry that reverses this one, if any (prefetch `reversals` when listing)."""
        reversals = list(self.reversals.all())
        return reversals[0] if reversals else None


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
        # enforced by posting_checks as posting_rules (ledger/sql); the
        # currency is the account's, which it compares and account_currency_iso
        # keeps ISO-shaped.
        constraints = [
            models.UniqueConstraint(fields=["entry", "leg_no"], name="posting_entry_leg"),
        ]
        triggers = [
            *_protect("posting"),
            # One set-based check per statement (references, entries, balances);
            # entry_legs_complete_fk (deferred) is the part left for COMMIT.
            pgtrigger.Trigger(
                name="posting_checks",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                declare=[("bad", "record"), ("summary", "record")],
                func=trigger_body("posting_checks"),
            ),
        ]

    def __str__(self) -> str:
        return f"posting {self.pk}"


class Balance(models.Model):
    """Balance of one (account, fund), kept by the database.

    Current for an account with a floor; for any other account, the balance as
    of the latest checkpoint (ledger.selectors add the postings since).
    """

    # References its account through (account_id, currency) (balance_account_currency_fk);
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
                func=trigger_body("balance_born_at_zero"),
            ),
            # Balance rows change only through the posting trigger (nested one
            # level deeper); a direct UPDATE would let a balance drift from its
            # postings.
            pgtrigger.Trigger(
                name="balance_only_from_postings",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                level=pgtrigger.Statement,
                func=trigger_body("balance_only_from_postings"),
            ),
        ]


class Checkpoint(models.Model):
    """A point up to which the balance rows of accounts without a floor include every posting.

    Written only through ledger_checkpoint_take() (balances_checkpoint); the database fills in
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
                func=trigger_body("checkpoint_prepare"),
            ),
            pgtrigger.Trigger(
                name="checkpoint_fold",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=trigger_body("checkpoint_fold"),
            ),
        ]


class ClosedPeriod(models.Model):
    """An accounting period no entry may be dated in; periods never reopen."""

    start_date = models.DateField()
    end_date = models.DateField()
    # Set by ledger_period_close after it has locked out new entries.
    closed_at = models.DateTimeField(db_default=Now())
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")), name="period_dates_ordered"
            ),
            ExclusionConstraint(
                name="closedperiod_no_overlap",
                expressions=[
                    (
                        models.Func(
                            "start_date",
                            "end_date",
                            models.Value("[]"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    )
                ],
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
                func=trigger_body("seal_links_to_previous"),
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
                func=trigger_body("signed_checkpoint_names_the_chain"),
            ),
        ]
