"""Read queries: campaigns with their progress, a donor's pledges, contributions."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.db.models import QuerySet, Sum

from core.codes import secret_code_digest
from ledger.api import FxQuote, fund_activity, fx_quotes_latest
from pledges.exceptions import ManageCodeInvalid, ReceiptNotFound
from pledges.models import (
    Campaign,
    CampaignDonorTally,
    Contribution,
    ContributionMethod,
    DonorProfile,
    EventStatus,
    Pledge,
    Receipt,
    ReceiptEmail,
    StripeEvent,
)
from users.models import User


def manage_code_digest(code: str) -> str:
    """What a pledge keeps of its manage code (core.codes), as hex."""
    return secret_code_digest(code).hex()


def pledge_get_by_manage_code(*, code: str) -> Pledge:
    """The pledge a manage code opens; an unknown code is a 404, whatever pledges exist."""
    found = (
        Pledge.objects.select_related("campaign").filter(manage_code_hash=manage_code_digest(code)).first()
    )
    if found is None:
        raise ManageCodeInvalid()
    return found


@dataclass(frozen=True)
class RaisedInBase:
    """What a campaign raised, in the base currency: an indication, never booked.

    Money in the base currency counts as it is; each other currency at the
    latest conversion the books recorded between it and the base currency (the
    exact ratio of the amounts exchanged), rounded toward zero to the base
    currency's minor unit, so it never overstates. Currencies never converted
    are left out and listed in `unconverted`; their money is in `raised`.
    """

    currency: str
    amount: int = 0
    rates: tuple[FxQuote, ...] = ()
    unconverted: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's public progress: every figure per currency from the ledger, and donors counted."""

    raised: dict[str, int] = field(default_factory=dict)  # donations income net of refunds and lost disputes
    raised_base: RaisedInBase = field(default_factory=lambda: RaisedInBase(currency="EUR"))
    committed: dict[str, int] = field(default_factory=dict)  # granted from the campaign's fund
    disbursed: dict[str, int] = field(default_factory=dict)  # paid out of it
    donors: int = 0


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def _in_base(raised: dict[str, int], quotes: dict[str, FxQuote], base: str) -> RaisedInBase:
    total, used, unconverted = Fraction(raised.get(base, 0)), [], []
    for currency, amount in raised.items():
        if currency == base:
            continue
        quote = quotes.get(currency)
        if quote is None:
            unconverted.append(currency)
            continue
        # Minor units to minor units: the exponents cancel in the ratio of the two amounts.
        total += Fraction(amount * quote.to_amount, quote.from_amount)
        used.append(quote)
    return RaisedInBase(currency=base, amount=int(total), rates=tuple(used), unconverted=tuple(unconverted))


def campaign_progress(campaigns: Iterable[Campaign]) -> dict[int, CampaignProgress]:
    """Each campaign's progress, in five queries whatever the number of campaigns."""
    campaigns = list(campaigns)
    by_fund = {c.fund_id: c.pk for c in campaigns}
    figures: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in fund_activity(fund_ids=sorted(by_fund)):
        for name in ("income", "committed", "disbursed"):
            if getattr(row, name):
                figures[by_fund[row.fund_id]][name][row.currency] = getattr(row, name)
    base = settings.BASE_CURRENCY
    currencies = {currency for f in figures.values() for currency in f["income"]}
    quotes = fx_quotes_latest(currencies=currencies, to_currency=base)
    donors = campaign_donor_counts([c.pk for c in campaigns])
    progress = {}
    for c in campaigns:
        raised = dict(sorted(figures[c.pk]["income"].items()))
        progress[c.pk] = CampaignProgress(
            raised=raised,
            raised_base=_in_base(raised, quotes, base),
            committed=dict(sorted(figures[c.pk]["committed"].items())),
            disbursed=dict(sorted(figures[c.pk]["disbursed"].items())),
            donors=donors.get(c.pk, 0),
        )
    return progress


def campaign_donor_counts(campaign_ids: list[int]) -> dict[int, int]:
    """Donors per campaign: an account counts once, a pledge without one once, unpledged money once each.

    Counted as money arrives by the triggers on contributions and matches
    (pledges.models: CampaignDonor, CampaignDonorTally), so reading it is a
    sum over a few rows however many gifts there are; money counts in the
    campaign that holds it after a match.
    """
    rows = (
        CampaignDonorTally.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(total=Sum("donors"))
        .values_list("campaign_id", "total")
    )
    return {campaign_id: int(total) for campaign_id, total in rows}


def pledge_list_for_donor(*, donor: User) -> QuerySet[Pledge]:
    return Pledge.objects.filter(donor=donor).select_related("campaign")


def contribution_list_for_donor(*, donor: User) -> QuerySet[Contribution]:
    """What a donor gave, through their own pledges, newest first."""
    return (
        Contribution.objects.filter(pledge__donor=donor)
        .select_related("campaign", "pledge")
        .prefetch_related("adjustments")
        .order_by("-received_on", "-id")
    )


def receipt_list_for_donor(*, donor: User) -> QuerySet[Receipt]:
    return Receipt.objects.filter(pledge__donor=donor).select_related("campaign", "pledge")


def receipt_get_for_donor(*, donor: User, number: str) -> Receipt:
    """One of the donor's own receipts; anyone else's is a 404, like one that does not exist."""
    found = receipt_list_for_donor(donor=donor).filter(number=number).first()
    if found is None:
        raise ReceiptNotFound()
    return found


def receipt_undelivered_list() -> QuerySet[Receipt]:
    """Receipts whose e-mail failed at least once and has not gone out since, oldest first."""
    return (
        Receipt.objects.filter(email_status=ReceiptEmail.PENDING, email_attempts__gt=0)
        .select_related("campaign")
        .order_by("id")
    )


def receipt_email_pending_ids(*, max_attempts: int, limit: int) -> list[int]:
    """Receipts still to be e-mailed (first time or after a failure), oldest first."""
    return list(
        Receipt.objects.filter(email_status=ReceiptEmail.PENDING, email_attempts__lt=max_attempts)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def campaign_supporter_profiles(*, campaign: Campaign) -> list[DonorProfile]:
    """Profiles of donors who gave to the campaign and chose to be named (not erased since).

    Chose: `show_name` and the public copy of the name that only the profile
    service seals, when the donor asks (see DonorProfile.public_name_sealed).
    """
    return list(
        DonorProfile.objects.filter(
            show_name=True,
            public_name_sealed__isnull=False,
            user__pledges__contributions__campaign=campaign,
        )
        .distinct()
        .order_by("pk")
    )


def contribution_list() -> QuerySet[Contribution]:
    return Contribution.objects.select_related(
        "campaign", "pledge", "match__pledge", "match__campaign"
    ).order_by("-id")


def contribution_unmatched_list() -> QuerySet[Contribution]:
    """Bank and cash money received without a pledge's reference and not matched to one since."""
    return (
        contribution_list()
        .filter(pledge__isnull=True, match__isnull=True)
        .exclude(method=ContributionMethod.CARD)
    )


def stripe_event_failed_list() -> QuerySet[StripeEvent]:
    return StripeEvent.objects.filter(status=EventStatus.FAILED).order_by("id")
