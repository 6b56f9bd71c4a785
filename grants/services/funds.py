"""The grant rules of a fund: its currency, per-request maximum, caps per category."""

from django.db import transaction

from grants import exceptions as exc
from grants.models import (
    Category,
    CategoryCap,
    GrantFund,
)
from ledger import api as ledger


@transaction.atomic
def grant_fund_rules_set(
    *,
    fund_id: int,
    currency: str,
    max_per_request: int,
    accepting: bool = True,
    caps: dict[str, int] | None = None,
    also_pays: tuple[str, ...] = (),
) -> GrantFund:
    """Set the grant rules of a fund (admin work); caps are per category, in minor units of `currency`.

    `also_pays` lists other currencies requests may be in: each approval in one
    is committed at a rate the approver fixes, through the trading accounts.
    """
    ledger.currency_check(currency)
    for other in also_pays:
        ledger.currency_check(other)
        if other == currency:
            raise exc.InvalidGrantInput("`also_pays` lists currencies other than the fund's own.")
    if not ledger.fund_list().filter(pk=fund_id).exists():
        raise exc.UnknownFund(f"No fund with id {fund_id}.")
    if type(max_per_request) is not int or max_per_request <= 0:
        raise exc.InvalidGrantAmount()
    rules, _created = GrantFund.objects.select_for_update().update_or_create(
        fund_id=fund_id,
        defaults={
            "currency": currency,
            "also_pays": sorted(set(also_pays)),
            "max_per_request": max_per_request,
            "accepting": accepting,
        },
    )
    for category, cap in (caps or {}).items():
        if category not in Category.values or type(cap) is not int or cap <= 0:
            raise exc.InvalidGrantInput("A cap names a grant category and a positive amount.")
        CategoryCap.objects.update_or_create(grant_fund=rules, category=category, defaults={"cap": cap})
    return rules
