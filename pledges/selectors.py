"""Read queries: campaigns with their progress, a donor's pledges, contributions."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from ledger.api import fund_balances
from pledges.models import Campaign, Contribution, ContributionMethod, EventStatus, Pledge, StripeEvent
from users.models import User


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
