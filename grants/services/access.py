"""Checks of what a request asks for, status moves, and fetching a request with its row lock."""

import re
from decimal import Decimal
from typing import Any

import pycountry
from django.conf import settings
from django.utils.translation import gettext as _

from grants import exceptions as exc
from grants.models import (
    Category,
    GrantFund,
    GrantRequest,
    Urgency,
)
from grants.workflow import Status, transition_allowed
from ledger import api as ledger
from users.roles import Role
from users.selectors import user_has_role


def check_country(country: str) -> str:
    if (
        not isinstance(country, str)
        or re.fullmatch(r"[A-Z]{2}", country) is None
        or pycountry.countries.get(alpha_2=country) is None
    ):
        raise exc.UnknownCountry(
            _("'%(country)s' is not an ISO 3166-1 alpha-2 country code.") % {"country": country}
        )
    return country


def check_language(language: str) -> str:
    """One of settings.LANGUAGES: the languages requesters are answered in."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise exc.UnsupportedLanguage()
    return language


def check_amount(amount: Decimal | str, currency: str) -> int:
    """A decimal amount in major units of a currency, as minor units; refused in the grants' own words."""
    try:
        exponent = ledger.currency_exponent(currency)
    except ledger.LedgerError:
        raise exc.UnknownCurrency(
            _("'%(currency)s' is not an ISO 4217 currency code.") % {"currency": currency}
        ) from None
    try:
        minor = ledger.to_minor(amount, currency)
    except ledger.LedgerError:
        raise exc.InvalidGrantAmount(
            _("An amount in %(currency)s is a decimal string with at most %(places)d decimal places.")
            % {"currency": currency, "places": exponent}
        ) from None
    if minor <= 0:
        raise exc.InvalidGrantAmount(_("An amount is more than zero."))
    return minor


def status_label(status: str) -> str:
    """A status's label in the active language, for messages."""
    return str(Status(status).label) if status in Status.values else status


def check_request_terms(
    *, fund_id: int, category: str, country: str, currency: str, amount: int, urgency: str
) -> GrantFund:
    """What a request asks for is something its fund grants; returns the fund's rules."""
    rules = GrantFund.objects.filter(fund_id=fund_id).first()
    if rules is None:
        raise exc.UnknownFund(_("No fund with id %(fund)s takes grant requests.") % {"fund": fund_id})
    if category not in Category.values:
        raise exc.InvalidGrantInput(_("'%(category)s' is not a grant category.") % {"category": category})
    if urgency not in Urgency.values:
        raise exc.InvalidGrantInput(_("'%(urgency)s' is not an urgency.") % {"urgency": urgency})
    check_country(country)
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidGrantAmount()
    if currency != rules.currency and currency not in rules.also_pays:
        paid = ", ".join([rules.currency, *rules.also_pays])
        raise exc.CurrencyNotPaid(_("This fund pays grants in %(currencies)s only.") % {"currencies": paid})
    # In another currency the maximum is checked at approval, on the amount at the rate fixed then.
    if currency == rules.currency and amount > rules.max_per_request:
        raise exc.AboveFundMaximum(
            _("This fund grants at most %(amount)s %(currency)s to one request.")
            % {"amount": ledger.to_decimal_string(rules.max_per_request, currency), "currency": currency}
        )
    return rules


def _check_reviewer(user: Any) -> None:
    if not user_has_role(user, Role.REVIEWER.value):
        raise exc.NotAReviewer()


def _move(request: GrantRequest, target: str) -> None:
    if not transition_allowed(request.status, target):
        raise exc.InvalidTransition(
            _("A request that is %(status)s cannot become %(target)s.")
            % {"status": status_label(request.status), "target": status_label(target)}
        )
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
