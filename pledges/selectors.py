"""Read queries: campaigns with their progress, a donor's pledges, contributions."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from ledger.api import fund_balances
from pledges.exceptions import ManageCodeInvalid, ReceiptNotFound
from pledges.models import (
    Campaign,
    Contribution,
    DonorProfile,
    EventStatus,
    Pledge,
    Receipt,
    ReceiptEmail,
    StripeEvent,
)
from users.models import User


def manage_code_normalize(code: str) -> str:
    """Manage codes are retyped: case, spaces and dashes do not count."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def manage_code_digest(code: str) -> str:
    """SHA-256 (hex) of the normalised code; a 160-bit random code needs no slow hash."""
    return hashlib.sha256(manage_code_normalize(code).encode()).hexdigest()


def pledge_get_by_manage_code(*, code: str) -> Pledge:
    """The pledge a manage code opens; an unknown code is a 404, whatever pledges exist."""
    found = (
        Pledge.objects.select_related("campaign").filter(manage_code_hash=manage_code_digest(code)).first()
    )
    if found is None:
        raise ManageCodeInvalid()
    return found


@dataclass(frozen=True)
class CampaignProgress:
    """Raised per currency (donations income net of refunds and lost disputes, from the ledger) and donors."""

    raised: dict[str, int] = field(default_factory=dict)
    donors: int = 0


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def campaign_progress(campaigns: Iterable[Campaign]) -> dict[int, CampaignProgress]:
    """Each campaign's progress, in two queries whatever the number of campaigns."""
    campaigns = list(campaigns)
    by_fund = {c.fund_id: c.pk for c in campaigns}
    raised: dict[int, dict[str, int]] = defaultdict(dict)
    for row in fund_balances():
        if row.fund_id in by_fund and row.income:
            raised[by_fund[row.fund_id]][row.currency] = row.income
    # A donor with an account counts once; a pledge without one is one donor, and
    # so is money received with no pledge at all.
    donors = (
        Contribution.objects.filter(campaign__in=[c.pk for c in campaigns])
        .values("campaign_id")
        .annotate(
            accounts=Count("pledge__donor_id", distinct=True),
            anonymous=Count("pledge_id", distinct=True, filter=Q(pledge__donor_id__isnull=True)),
            unpledged=Count("id", filter=Q(pledge_id__isnull=True)),
        )
    )
    counts = {d["campaign_id"]: d["accounts"] + d["anonymous"] + d["unpledged"] for d in donors}
    return {
        c.pk: CampaignProgress(raised=dict(sorted(raised[c.pk].items())), donors=counts.get(c.pk, 0))
        for c in campaigns
    }


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


def receipt_email_pending_ids(*, max_attempts: int, limit: int) -> list[int]:
    """Receipts still to be e-mailed (first time or after a failure), oldest first."""
    return list(
        Receipt.objects.filter(email_status=ReceiptEmail.PENDING, email_attempts__lt=max_attempts)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def campaign_supporter_profiles(*, campaign: Campaign) -> list[DonorProfile]:
    """Profiles of donors who gave to the campaign and chose to be named (not erased since)."""
    return list(
        DonorProfile.objects.filter(
            show_name=True,
            name_sealed__isnull=False,
            user__pledges__contributions__campaign=campaign,
        )
        .distinct()
        .order_by("pk")
    )


def contribution_list() -> QuerySet[Contribution]:
    return Contribution.objects.select_related("campaign", "pledge").order_by("-id")


def stripe_event_failed_list() -> QuerySet[StripeEvent]:
    return StripeEvent.objects.filter(status=EventStatus.FAILED).order_by("id")
