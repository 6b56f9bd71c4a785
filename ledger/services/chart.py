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
    """Create the general fund and the default chart in each currency; safe to run again."""
    Fund.objects.get_or_create(code=GENERAL_FUND_CODE, defaults={"name": "General fund", "restricted": False})
    accounts = []
    for currency in currencies:
        currency_check(currency)
        for role, number, name, type_, floor in DEFAULT_CHART:
            account, _ = Account.objects.get_or_create(
                role=role,
                currency=currency,
                defaults={
                    "code": f"{number}-{currency}",
                    "name": f"{name} ({currency})",
                    "type": type_,
                    "floor": floor,
                },
            )
            accounts.append(account)
    return accounts
