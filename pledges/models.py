"""Campaigns, pledges, contributions and the Stripe event log; row rules live in PostgreSQL."""

import uuid

import pgtrigger
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q


def _currency(field: str) -> Q:
    return Q(**{f"{field}__regex": r"^[A-Z]{3}$"})


def _append_only(name: str) -> list[pgtrigger.Protect]:
    """Nothing received is edited: corrections are new rows (and new ledger entries)."""
    return [pgtrigger.Protect(name=f"{name}_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class Campaign(models.Model):
    """A fundraising campaign: one ledger fund, a goal, dates and texts per language."""

    fund = models.OneToOneField("ledger.Fund", on_delete=models.PROTECT, related_name="campaign")
    # Short enough that the fund's code, "campaign-<slug>", fits the fund's 64 characters.
    slug = models.SlugField(max_length=55, unique=True)
    # {"en": "...", "ar": "...", ...}; English is always present.
    title = models.JSONField()
    description = models.JSONField(default=dict, blank=True)
    goal_amount = models.BigIntegerField()
    goal_currency = models.CharField(max_length=3)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(goal_amount__gt=0), name="campaign_goal_positive"),
            models.CheckConstraint(condition=_currency("goal_currency"), name="campaign_goal_currency_iso"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="campaign_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(title__has_key="en"), name="campaign_title_in_english"),
        ]

    def __str__(self) -> str:
        return self.slug


# A campaign's donors, counted by triggers as money arrives: an account once, a
# pledge without one once, money with no pledge once each. The key names which.
DONOR_KEY_SQL = "CASE WHEN p.donor_id IS NULL THEN 'p' || p.id ELSE 'u' || p.donor_id END"
DONOR_SLOTS = 16
# Concurrent bookings add to different rows of the tally (by backend), not one hot row.
DONOR_TALLY_SQL = (
    "INSERT INTO pledges_campaigndonortally (campaign_id, slot, donors) "
    f"VALUES ({{campaign}}, pg_backend_pid() % {DONOR_SLOTS}, {{change}}) "
    "ON CONFLICT (campaign_id, slot) "
    "DO UPDATE SET donors = pledges_campaigndonortally.donors + EXCLUDED.donors;"
)
DONOR_ADD_SQL = (
    "INSERT INTO pledges_campaigndonor (campaign_id, key) VALUES ({campaign}, v_key) "
    "ON CONFLICT DO NOTHING;\n"
    "IF FOUND THEN " + DONOR_TALLY_SQL.format(campaign="{campaign}", change="1") + " END IF;"
)


class CampaignDonor(models.Model):
    """One row per distinct donor of a campaign; triggers keep it.

    `key` is u<account id>, p<pledge id> or c<contribution id>.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=24)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaign_donor_once")]


class CampaignDonorTally(models.Model):
    """How many donors a campaign has, in a few rows that sum to it; triggers keep it, readers sum it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    slot = models.SmallIntegerField()
    donors = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "slot"], name="campaign_donor_tally_slot")]


class Frequency(models.TextChoices):
    ONCE = "once", "Once"
    MONTHLY = "monthly", "Monthly"


class Method(models.TextChoices):
    CARD = "card", "Card (Stripe)"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"


class PledgeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for payment"
    ACTIVE = "active", "Active (monthly)"
    PAST_DUE = "past_due", "Last monthly payment failed"
    FULFILLED = "fulfilled", "Paid"
    FAILED = "failed", "Payment failed"
    CANCELLED = "cancelled", "Cancelled"


class Pledge(models.Model):
    """A donor's promise: an amount in a currency, once or monthly, to a campaign."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What a bank transfer quotes; random, so it says nothing about the donor.
    reference = models.CharField(max_length=16, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges")
    # Null: given without an account. SET_NULL: erasing an account keeps the pledge.
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="pledges"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(max_length=16, choices=PledgeStatus.choices, default=PledgeStatus.PENDING)
    stripe_checkout_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.TextField(blank=True, default="")
    stripe_subscription_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # The optional e-mail for receipts, sealed by the vault under a donor subject of
    # its own: shredding the subject erases it, and the pledge stays in the books.
    donor_subject = models.UUIDField(null=True, blank=True)
    email_sealed = models.BinaryField(null=True, blank=True)
    # A pledge given without an account is managed with a code shown once; only its SHA-256 is kept.
    manage_code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(condition=_currency("currency"), name="pledge_currency_iso"),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="pledge_frequency_valid"
            ),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="pledge_method_valid"),
            models.CheckConstraint(condition=Q(status__in=PledgeStatus.values), name="pledge_status_valid"),
            models.CheckConstraint(
                condition=Q(method=Method.CARD)
                | Q(stripe_checkout_session_id__isnull=True, stripe_subscription_id__isnull=True),
                name="pledge_stripe_only_for_cards",
            ),
            models.CheckConstraint(
                condition=Q(stripe_subscription_id__isnull=True) | Q(frequency=Frequency.MONTHLY),
                name="pledge_subscription_only_monthly",
            ),
            models.CheckConstraint(
                condition=Q(status=PledgeStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=PledgeStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="pledge_cancelled_when_dated",
            ),
            models.CheckConstraint(
                condition=Q(email_sealed__isnull=True) | Q(donor_subject__isnull=False),
                name="pledge_email_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(manage_code_hash__isnull=True) | Q(manage_code_hash__regex=r"^[0-9a-f]{64}$"),
                name="pledge_manage_code_is_a_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"pledge {self.reference}"


class DonorProfile(models.Model):
    """What a donor with an account keeps with us, and no more: where, which language and currency.

    The display name and the receipt e-mail are sealed by the vault under the
    profile's own donor subject; erasing shreds that subject and forgets it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="donor_profile"
    )
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2.")
    language = models.CharField(max_length=8, default="en")
    currency = models.CharField(max_length=3, blank=True, default="", help_text="ISO 4217.")
    show_name = models.BooleanField(default=False)
    subject = models.UUIDField(null=True, blank=True, unique=True)
    name_sealed = models.BinaryField(null=True, blank=True)
    email_sealed = models.BinaryField(null=True, blank=True)
    # The display name sealed a second time, under its own field, when the donor chose to
    # show it: the only copy the public list opens. A login that can write rows but holds
    # no key cannot make one (a copy of `name_sealed` does not open as this field), so it
    # cannot name a donor who never agreed by flipping `show_name`.
    public_name_sealed = models.BinaryField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(country__regex=r"^([A-Z]{2})?$"), name="donorprofile_country_iso"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^([A-Z]{3})?$"), name="donorprofile_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2,3}$"), name="donorprofile_language_iso"
            ),
            models.CheckConstraint(
                condition=Q(subject__isnull=False)
                | Q(name_sealed__isnull=True, email_sealed__isnull=True, public_name_sealed__isnull=True),
                name="donorprofile_sealed_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(public_name_sealed__isnull=True) | Q(show_name=True),
                name="donorprofile_public_name_shown",
            ),
            # A name is shown only when there is one to show; erasing one hides it.
            models.CheckConstraint(
                condition=Q(show_name=False) | Q(name_sealed__isnull=False),
                name="donorprofile_shown_name_exists",
            ),
        ]

    def __str__(self) -> str:
        return f"donor profile {self.pk}"


class ContributionMethod(models.TextChoices):
    CARD = "card", "Card (Stripe)"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH = "cash", "Cash"


class RecordedMethod(models.TextChoices):
    """How money a treasurer records arrived."""

    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CASH = "cash", "Cash"


class Contribution(models.Model):
    """Money received, in the currency it settled in, with the amount the donor was shown."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="contributions")
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="contributions"
    )
    method = models.CharField(max_length=16, choices=ContributionMethod.choices)
    amount = models.BigIntegerField(help_text="Gross, in the settlement currency's minor units.")
    fee = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    presentment_amount = models.BigIntegerField()
    presentment_currency = models.CharField(max_length=3)
    exchange_rate = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_invoice_id = models.CharField(max_length=255, null=True, blank=True)
    reference = models.CharField(max_length=64, blank=True, default="")
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="contribution_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(presentment_amount__gt=0), name="contribution_presentment_positive"
            ),
            models.CheckConstraint(condition=_currency("currency"), name="contribution_currency_iso"),
            models.CheckConstraint(
                condition=_currency("presentment_currency"), name="contribution_presentment_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(method__in=ContributionMethod.values), name="contribution_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(method=ContributionMethod.CARD, stripe_charge_id__isnull=False)
                | (~Q(method=ContributionMethod.CARD) & Q(stripe_charge_id__isnull=True, fee=0)),
                name="contribution_card_has_charge",
            ),
            models.CheckConstraint(
                condition=Q(presentment_currency=F("currency")) | Q(exchange_rate__gt=0),
                name="contribution_rate_when_converted",
            ),
            models.CheckConstraint(
                condition=~Q(method=ContributionMethod.CARD) | Q(pledge__isnull=False),
                name="contribution_card_has_pledge",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "pledge"], name="contribution_campaign_pledge")]
        triggers = [
            *_append_only("contribution"),
            pgtrigger.Trigger(
                name="contribution_counts_donor",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                declare=[("v_key", "text")],
                func=f"""
                IF NEW.pledge_id IS NULL THEN
                    v_key := 'c' || NEW.id;
                ELSE
                    SELECT {DONOR_KEY_SQL} INTO v_key FROM pledges_pledge p WHERE p.id = NEW.pledge_id;
                END IF;
                {DONOR_ADD_SQL.format(campaign="NEW.campaign_id")}
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"contribution {self.public_id}"

    @property
    def matched(self) -> "ContributionMatch | None":
        """The treasurer's later match to a pledge, if any (select `match` when listing)."""
        try:
            return self.match
        except ObjectDoesNotExist:
            return None

    @property
    def current_pledge_id(self) -> int | None:
        """The pledge it was received for, or the one it was matched to later."""
        match = self.matched
        return self.pledge_id if match is None else match.pledge_id

    @property
    def current_campaign_id(self) -> int:
        """The campaign whose fund holds it now: a match to another campaign's pledge moved it there."""
        match = self.matched
        return self.campaign_id if match is None else match.campaign_id


class RefundRequest(models.Model):
    """A treasurer's request that Stripe give a card contribution back; Stripe's refund then books it.

    The row exists before Stripe is called, so a retry after a crash sends the
    same idempotency key and gets the same refund.
    """

    public_id = models.UUIDField(unique=True, editable=False)
    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="refund_requests")
    amount = models.BigIntegerField(help_text="In the presentment currency, as the donor paid.")
    currency = models.CharField(max_length=3)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_request_amount_positive"),
            models.CheckConstraint(condition=_currency("currency"), name="refund_request_currency_iso"),
        ]


class AdjustmentKind(models.TextChoices):
    REFUND = "refund", "Refund"
    REFUND_FAILED = "refund_failed", "Refund failed (money back)"
    DISPUTE_WITHDRAWN = "dispute_withdrawn", "Dispute: funds withdrawn"
    DISPUTE_REINSTATED = "dispute_reinstated", "Dispute won: funds reinstated"


class ContributionAdjustment(models.Model):
    """A later movement of a contribution's money: a refund, its failure, a dispute's withdrawal or return.

    Amounts are signed: a refund or a withdrawal is negative, its failure or a
    reinstatement positive. Card ones are Stripe's balance transactions; a bank
    or cash refund is recorded by a treasurer.
    """

    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=32, choices=AdjustmentKind.choices)
    stripe_object_id = models.CharField(max_length=255, blank=True, default="")
    stripe_balance_transaction_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # A bank or cash refund a treasurer recorded: derived from the request's
    # idempotency key, so a retry finds it.
    public_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    occurred_on = models.DateField()
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
            models.CheckConstraint(condition=~Q(amount=0) | ~Q(fee=0), name="adjustment_moves_money"),
            models.CheckConstraint(condition=_currency("currency"), name="adjustment_currency_iso"),
            # Stripe's movements name their balance transaction; a treasurer's is a refund, recorded by them.
            models.CheckConstraint(
                condition=Q(
                    stripe_balance_transaction_id__isnull=False,
                    public_id__isnull=True,
                    recorded_by__isnull=True,
                )
                | Q(
                    stripe_balance_transaction_id__isnull=True,
                    public_id__isnull=False,
                    recorded_by__isnull=False,
                    kind=AdjustmentKind.REFUND,
                    amount__lt=0,
                    fee=0,
                ),
                name="adjustment_from_stripe_or_treasurer",
            ),
        ]
        triggers = _append_only("contributionadjustment")

    @property
    def refunded(self) -> int:
        """What went back to the donor, as a positive amount (refunds are stored negative)."""
        return -self.amount


class ContributionMatch(models.Model):
    """A treasurer's later matching of money received without a pledge's reference to that pledge.

    Contributions are append-only, so the match is a row of its own, one per
    contribution (matched once). When the pledge's campaign has another fund,
    `entry` moved what was left of the money there (`moved`, in the
    contribution's currency); the contribution then counts in that campaign.
    """

    public_id = models.UUIDField(unique=True, editable=False)
    contribution = models.OneToOneField(Contribution, on_delete=models.PROTECT, related_name="match")
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="matches")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="matched_contributions")
    moved = models.BigIntegerField(default=0)
    entry = models.OneToOneField(
        "ledger.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=True, moved=0) | Q(entry__isnull=False, moved__gt=0),
                name="match_moves_money_with_its_entry",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "pledge"], name="match_campaign_pledge")]
        triggers = [
            *_append_only("contributionmatch"),
            pgtrigger.Trigger(
                name="match_moves_donor",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                declare=[("v_key", "text"), ("v_from", "bigint")],
                func=f"""
                SELECT c.campaign_id INTO v_from FROM pledges_contribution c WHERE c.id = NEW.contribution_id;
                DELETE FROM pledges_campaigndonor
                 WHERE campaign_id = v_from AND key = 'c' || NEW.contribution_id;
                IF FOUND THEN
                    {DONOR_TALLY_SQL.format(campaign="v_from", change="-1")}
                END IF;
                SELECT {DONOR_KEY_SQL} INTO v_key FROM pledges_pledge p WHERE p.id = NEW.pledge_id;
                {DONOR_ADD_SQL.format(campaign="NEW.campaign_id")}
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"match {self.public_id}"


class PayoutKind(models.TextChoices):
    PAID = "paid", "Paid to the bank"
    FAILED = "failed", "Failed, returned to Stripe"


class StripePayoutBooking(models.Model):
    """A Stripe payout booked from clearing to the bank (or back, when it failed)."""

    stripe_payout_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=PayoutKind.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    occurred_on = models.DateField()
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stripe_payout_id", "kind"], name="payout_booked_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=PayoutKind.values), name="payout_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=_currency("currency"), name="payout_currency_iso"),
        ]
        triggers = _append_only("stripepayoutbooking")


class EventStatus(models.TextChoices):
    PROCESSING = "processing", "Being handled"
    PROCESSED = "processed", "Handled"
    IGNORED = "ignored", "Not an event we handle, or not ours"
    FAILED = "failed", "Handler failed; will be retried"


class StripeEvent(models.Model):
    """Every Stripe event received, once per id, with how its handling went.

    The payload is kept without the customer's personal details (scrubbed on
    arrival) so a failed event can be replayed.
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=128)
    object_id = models.CharField(max_length=255, blank=True, default="")
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.PROCESSING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    stripe_created_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="stripe_event_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status"], name="stripe_event_failed", condition=Q(status=EventStatus.FAILED)
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ReceiptEmail(models.TextChoices):
    NONE = "none", "No e-mail to send it to"
    PENDING = "pending", "To be e-mailed (again, after a failure)"
    SENT = "sent", "E-mailed"


class Receipt(models.Model):
    """A donor's receipt for one contribution: what they paid, what arrived, when, for which campaign.

    Numbered at random, so a receipt says nothing about how many came before it.
    It holds no e-mail: the address is opened from the vault when it is sent.
    """

    number = models.CharField(max_length=24, unique=True)
    contribution = models.OneToOneField(Contribution, on_delete=models.PROTECT, related_name="receipt")
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="receipts")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="What the donor paid, in the presentment currency.")
    currency = models.CharField(max_length=3)
    received_amount = models.BigIntegerField(help_text="What arrived (gross), in the settlement currency.")
    received_currency = models.CharField(max_length=3)
    issued_on = models.DateField()
    email_status = models.CharField(max_length=16, choices=ReceiptEmail.choices, default=ReceiptEmail.NONE)
    email_attempts = models.PositiveIntegerField(default=0)
    email_error = models.CharField(max_length=64, blank=True, default="")
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(condition=Q(received_amount__gt=0), name="receipt_received_positive"),
            models.CheckConstraint(condition=_currency("currency"), name="receipt_currency_iso"),
            models.CheckConstraint(
                condition=_currency("received_currency"), name="receipt_received_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=ReceiptEmail.values), name="receipt_email_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(email_status=ReceiptEmail.SENT, emailed_at__isnull=False)
                | (~Q(email_status=ReceiptEmail.SENT) & Q(emailed_at__isnull=True)),
                name="receipt_sent_when_dated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], name="receipt_email_pending", condition=Q(email_status=ReceiptEmail.PENDING)
            )
        ]

    def __str__(self) -> str:
        return f"receipt {self.number}"
