"""Creating campaigns, each with its own restricted fund in the ledger."""

import datetime

from django.db import transaction

from ledger.api import currency_check, fund_create
from pledges.exceptions import InvalidPledge
from pledges.models import Campaign


@transaction.atomic
def campaign_create(
    *,
    slug: str,
    title: dict[str, str],
    goal_amount: int,
    goal_currency: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    description: dict[str, str] | None = None,
    restricted: bool = True,
) -> Campaign:
    """A campaign and its fund (restricted unless said otherwise); titles keyed by language code."""
    currency_check(goal_currency)
    if "en" not in title:
        raise InvalidPledge("A campaign needs an English title.")
    fund = fund_create(code=f"campaign-{slug}", name=title["en"][:200], restricted=restricted)
    campaign = Campaign(
        fund_id=fund.pk,
        slug=slug,
        title=title,
        description=description or {},
        goal_amount=goal_amount,
        goal_currency=goal_currency,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    campaign.full_clean(exclude=["fund"])
    campaign.save()
    return campaign
