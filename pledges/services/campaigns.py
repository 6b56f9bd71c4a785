"""Creating campaigns, each with its own restricted fund in the ledger."""

import datetime

from django.db import transaction

from ledger.api import currency_check, fund_create, fund_list
from pledges.exceptions import CampaignExists, InvalidPledge
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
    if type(goal_amount) is not int or goal_amount <= 0:
        raise InvalidPledge("A campaign's goal is a positive amount.")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidPledge("A campaign cannot end before it starts.")
    if Campaign.objects.filter(slug=slug).exists() or fund_list().filter(code=f"campaign-{slug}").exists():
        raise CampaignExists()
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
