"""The chart of accounts: funds, accounts, and the default chart of a mutual-aid fund."""

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from ledger import exceptions as exc
from ledger.models import Account, AccountRole, AccountType, Fund
from ledger.money import currency_check

GENERAL_FUND_CODE = "general"


@transaction.atomic
def fund_create(*, code: str, name: str, restricted: bool = False, description: str = "") -> Fund:
    """Create a fund (the general fund or a campaign's restricted fund)."""
    fund = Fund(code=code, name=name, restricted=restricted, description=description)
    fund.full_clean()
    try:
        with transaction.atomic():  # a concurrent create of the same code passes full_clean too
            fund.save()
    except IntegrityError:
        raise exc.ValidationFailed(f"A fund with the code '{code}' exists already.") from None
    return fund


@transaction.atomic
def account_create(
    *,
    code: str,
    name: str,
    type: str,
    currency: str,
    role: str | None = None,
    floor: int | None = None,
) -> Account:
    """Create an account of the chart in one currency, with an optional floor (minor units)."""
    currency_check(currency)
    if type not in AccountType.values:
        raise exc.ValidationFailed(f"Unknown account type '{type}'.")
    account = Account(code=code, name=name, type=type, currency=currency, role=role, floor=floor)
    account.full_clean()
    account.save()
    return account


# The default chart of a mutual-aid fund: (role, number, name, type, floor).
DEFAULT_CHART = (
    (AccountRole.STRIPE_CLEARING, "1010", "Stripe clearing", AccountType.ASSET, None),
    (AccountRole.BANK, "1020", "Bank", AccountType.ASSET, 0),
    (AccountRole.GRANTS_PAYABLE, "2010", "Grants payable", AccountType.LIABILITY, None),
    (AccountRole.NET_ASSETS, "3000", "Net assets", AccountType.NET_ASSETS, None),
    (AccountRole.FUND_TRANSFERS, "3100", "Transfers between funds", AccountType.NET_ASSETS, None),
    (AccountRole.FX_TRADING, "3900", "Currency trading", AccountType.NET_ASSETS, None),
    (AccountRole.DONATIONS_INCOME, "4000", "Donations income", AccountType.INCOME, None),
    (AccountRole.PROCESSING_FEES, "5010", "Payment processing fees", AccountType.EXPENSE, None),
    (AccountRole.GRANTS_EXPENSE, "5100", "Grants expense", AccountType.EXPENSE, None),
)


@transaction.atomic
def chart_of_accounts_create(*, currencies: Sequence[str]) -> list[Account]:
    """Create the general fund and the default chart in each currency; safe to run again.

    Accounts that exist already are left as they are; the missing ones are
    written in one statement. Returns the chart's accounts, currency by currency.
    """
    for currency in currencies:
        currency_check(currency)
    Fund.objects.get_or_create(code=GENERAL_FUND_CODE, defaults={"name": "General fund", "restricted": False})
    roles = [role for role, *_ in DEFAULT_CHART]
    existing = {
        (account.role, account.currency): account
        for account in Account.objects.filter(currency__in=currencies, role__in=roles)
    }
    missing = [
        Account(
            role=role,
            currency=currency,
            code=f"{number}-{currency}",
            name=f"{name} ({currency})",
            type=type_,
            floor=floor,
        )
        for currency in dict.fromkeys(currencies)
        for role, number, name, type_, floor in DEFAULT_CHART
        if (role, currency) not in existing
    ]
    try:
        with transaction.atomic():
            created = Account.objects.bulk_create(missing)
    except IntegrityError:
        # Another account holds one of the default codes, or a concurrent run made the chart first.
        raise exc.ValidationFailed(
            "The default chart could not be created: an account with one of its codes or roles "
            "exists already; run the command again, or rename that account."
        ) from None
    existing.update({(account.role, account.currency): account for account in created})
    return [existing[(role, currency)] for currency in currencies for role in roles]
