"""Checks of what a request asks for, status moves, and fetching a request with its row lock."""

import re
from typing import Any

import pycountry

from grants import exceptions as exc
from grants.models import (
    Category,
    GrantFund,
    GrantRequest,
    Urgency,
)
from grants.workflow import transition_allowed
from ledger import api as ledger
from users.roles import Role
from users.selectors import user_has_role


def check_country(country: str) -> str:
    if (
        not isinstance(country, str)
        or re.fullmatch(r"[A-Z]{2}", country) is None
        or pycountry.countries.get(alpha_2=country) is None
    ):
        raise exc.UnknownCountry(f"'{country}' is not an ISO 3166-1 alpha-2 country code.")
    return country


def check_request_terms(
    *, fund_id: int, category: str, country: str, currency: str, amount: int, urgency: str
) -> GrantFund:
    """What a request asks for is something its fund grants; returns the fund's rules."""
    rules = GrantFund.objects.filter(fund_id=fund_id).first()
    if rules is None:
        raise exc.UnknownFund(f"No fund with id {fund_id} takes grant requests.")
    if category not in Category.values:
        raise exc.InvalidGrantInput(f"'{category}' is not a grant category.")
    if urgency not in Urgency.values:
        raise exc.InvalidGrantInput(f"'{urgency}' is not an urgency.")
    check_country(country)
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidGrantAmount()
    if currency != rules.currency and currency not in rules.also_pays:
        paid = ", ".join([rules.currency, *rules.also_pays])
        raise exc.CurrencyNotPaid(f"This fund pays grants in {paid} only.")
    # In another currency the maximum is checked at approval, on the amount at the rate fixed then.
    if currency == rules.currency and amount > rules.max_per_request:
        raise exc.AboveFundMaximum(
            f"This fund grants at most {ledger.to_decimal_string(rules.max_per_request, currency)} "
            f"{currency} to one request."
        )
    return rules


def _check_reviewer(user: Any) -> None:
    if not user_has_role(user, Role.REVIEWER.value):
        raise exc.NotAReviewer()


def _move(request: GrantRequest, target: str) -> None:
    if not transition_allowed(request.status, target):
        raise exc.InvalidTransition(f"A request that is {request.status} cannot become {target}.")
    request.status = target


# --- access with the row lock -------------------------------------------------------------


def _locked(reference: str, **scope: Any) -> GrantRequest:
    found = GrantRequest.objects.select_for_update(of=("self",)).filter(reference=reference, **scope).first()
    if found is None:
        raise exc.RequestNotFound()
    return found


def access_request_as_requester(*, reference: str, requester: Any) -> GrantRequest:
    """The requester's own request, locked; anyone else's is a 404."""
    return _locked(reference, requester=requester)


def access_request_as_reviewer(*, reference: str, reviewer: Any) -> GrantRequest:
    """A request assigned to the reviewer, locked; any other is a 404."""
    return _locked(reference, assignments__reviewer=reviewer)


def access_request_as_reviewer_unlocked(*, reference: str, reviewer: Any) -> GrantRequest:
    """A request assigned to the reviewer, read without a lock (to parse an amount in its currency)."""
    found = GrantRequest.objects.filter(reference=reference, assignments__reviewer=reviewer).first()
    if found is None:
        raise exc.RequestNotFound()
    return found


def _rules_lock(fund_id: int) -> GrantFund:
    return GrantFund.objects.select_for_update().get(fund_id=fund_id)
