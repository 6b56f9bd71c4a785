"""Who may call which ledger endpoint: auditors, treasurers and admins read; treasurers post;
admins create funds and close periods (tests/api/test_ledger_setup.py)."""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from api.permissions import AnyoneMay, DenyAll, LedgerAccess, LedgerSetup, RolePermission
from api.v1.ledger.checkpoints import PublicRead
from ledger.models import Entry
from tests.api.conftest import LEDGER_OUTSIDERS, LEDGER_READERS, manual_body, post_entry
from tests.users.admin_login import admin_login

# Every ledger read; {account}, {fund} and {entry} are filled in with real ids.
READ_PATHS = [
    "/api/v1/ledger/accounts/",
    "/api/v1/ledger/accounts/{account}/",
    "/api/v1/ledger/accounts/{account}/statement/",
    "/api/v1/ledger/funds/",
    "/api/v1/ledger/funds/{fund}/",
    "/api/v1/ledger/fund-balances/",
    "/api/v1/ledger/entries/",
    "/api/v1/ledger/entries/{entry}/",
    "/api/v1/ledger/periods/",
    "/api/v1/ledger/balances/",
    "/api/v1/ledger/trial-balance/",
    "/api/v1/ledger/chain/head/",
    "/api/v1/ledger/checkpoints/",
]


@pytest.fixture
def ids(chart, posted) -> dict[str, int]:
    clearing = chart.account("stripe_clearing")
    entry = posted(clearing, chart.account("donations_income"), 1000)
    return {"account": clearing.pk, "fund": chart.general.pk, "entry": entry}


@pytest.mark.parametrize("path", READ_PATHS)
@pytest.mark.parametrize("role", LEDGER_READERS)
def test_ledger_readers_may_read_every_ledger_endpoint(client_for, ids, role, path):
    response = client_for(role).get(path.format(**ids))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", READ_PATHS)
@pytest.mark.parametrize("role", [*LEDGER_OUTSIDERS, "norole"])
def test_other_roles_are_forbidden_every_ledger_endpoint(client_for, ids, role, path):
    response = client_for(role).get(path.format(**ids))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("path", READ_PATHS)
def test_anonymous_requests_are_told_to_authenticate(anonymous, ids, path):
    response = anonymous.get(path.format(**ids))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_treasurers_may_post_entries_and_reversals(treasurer, chart):
    client = treasurer
    created = post_entry(client, manual_body(chart))
    assert created.status_code == 201
    reversal = post_entry(client, {}, url=f"/api/v1/ledger/entries/{created.json()['id']}/reverse/")
    assert reversal.status_code == 201


@pytest.mark.parametrize("role", ["auditor", "admin", *LEDGER_OUTSIDERS, "norole"])
def test_nobody_else_may_post_entries_or_reversals(client_for, chart, posted, role):
    entry = posted(chart.account("stripe_clearing"), chart.account("donations_income"), 1000)
    client = client_for(role)
    assert post_entry(client, manual_body(chart)).status_code == 403
    assert post_entry(client, {}, url=f"/api/v1/ledger/entries/{entry}/reverse/").status_code == 403
    assert Entry.objects.count() == 1


def test_anonymous_posts_are_told_to_authenticate(anonymous, chart):
    response = post_entry(anonymous, manual_body(chart))
    assert response.status_code == 401
    assert Entry.objects.count() == 0


def test_a_forbidden_answer_names_the_roles_that_may(client_for, chart):
    response = post_entry(client_for("auditor"), manual_body(chart))
    assert response.json()["detail"] == "This requires one of the roles: treasurer."


def test_an_unknown_token_is_refused(chart):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/ledger/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_deactivated_user_loses_access(make_user, chart):
    user, token = make_user("auditor")
    user.is_active = False
    user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/ledger/accounts/").status_code == 401


def test_a_session_from_the_admin_login_with_a_code_authenticates_too(make_user, chart):
    user, _token = make_user("auditor")
    client = admin_login(user)
    assert client.get("/api/v1/ledger/accounts/").status_code == 200


def test_a_staff_session_without_the_second_factor_is_refused(make_user, chart):
    user, _token = make_user("auditor")
    client = APIClient()
    client.force_login(user)  # a password-only session, as if the OTP step were skipped
    response = client.get("/api/v1/ledger/accounts/")
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


def test_session_writes_need_the_csrf_token(make_user, chart):
    user, _token = make_user("treasurer")
    client = admin_login(user, APIClient(enforce_csrf_checks=True))
    response = post_entry(client, manual_body(chart))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Entry.objects.count() == 0


def test_the_default_permission_denies_everything():
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == ["api.permissions.DenyAll"]
    assert DenyAll().has_permission(None, None) is False


def _api_views(patterns, prefix="", under="api/v1/ledger/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern), under)
        elif isinstance(pattern, URLPattern) and prefix.startswith(under):
            yield prefix + str(pattern.pattern), pattern.callback.cls


def test_every_grants_view_says_who_may_use_it():
    views = dict(_api_views(get_resolver().url_patterns, under="api/v1/grants/"))
    open_to_anyone = {
        "api/v1/grants/requesters/",
        "api/v1/grants/funds/",
        "api/v1/grants/requests/anonymous/",
        "api/v1/grants/claim/",
        "api/v1/grants/claim/withdraw/",
        "api/v1/grants/claim/appeal/",
        "api/v1/grants/claim/questions/",
        "api/v1/grants/claim/answer/",
        "api/v1/grants/claim/attachments/",
        "api/v1/grants/claim/attachments/upload/",
        "api/v1/grants/claim/attachments/download/",
    }
    assert len(views) == 32
    for route, view in views.items():
        (permission,) = view.permission_classes
        if route in open_to_anyone:
            assert permission is AnyoneMay, route
        else:
            assert issubclass(permission, RolePermission), route


def test_every_ledger_view_says_who_may_use_it():
    views = dict(_api_views(get_resolver().url_patterns))
    assert len(views) == 15
    # The key that verifies signed checkpoints is public; everything else is the books.
    assert list(views.pop("api/v1/ledger/public-key/").permission_classes) == [PublicRead]
    for route, view in views.items():
        setup = route.startswith(("api/v1/ledger/funds/", "api/v1/ledger/periods/"))
        assert list(view.permission_classes) == [LedgerSetup if setup else LedgerAccess], route


def test_every_pledges_view_says_who_may_use_it():
    from api.permissions import (
        Anyone,
        AnyoneMay,
        CampaignAccess,
        ContributionAccess,
        DonorAccess,
        PledgeAccess,
    )

    views = {}
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "api/v1/":
            for inner in pattern.url_patterns:
                if isinstance(inner, URLResolver) and str(inner.pattern) == "":
                    views = {str(p.pattern): p.callback.cls for p in inner.url_patterns}
    assert {route: list(view.permission_classes) for route, view in views.items()} == {
        "campaigns/": [CampaignAccess],
        "campaigns/<slug:slug>/": [Anyone],
        "pledges/": [PledgeAccess],
        "pledges/<uuid:pk>/": [DonorAccess],
        "pledges/<uuid:pk>/cancel/": [DonorAccess],
        "pledges/<uuid:pk>/erase/": [DonorAccess],
        "contributions/": [ContributionAccess],
        "contributions/<uuid:pk>/refund/": [ContributionAccess],
        "contributions/unmatched/": [ContributionAccess],
        "contributions/<uuid:pk>/match/": [ContributionAccess],
        "contributions/<uuid:pk>/bank-refund/": [ContributionAccess],
        "receipts/undelivered/": [ContributionAccess],
        "receipts/<str:number>/resend/": [ContributionAccess],
        "stripe/webhook/": [Anyone],
        "campaigns/<slug:slug>/supporters/": [Anyone],
        "pledges/manage/": [AnyoneMay],
        "pledges/manage/cancel/": [AnyoneMay],
        "pledges/manage/erase/": [AnyoneMay],
        "donors/": [AnyoneMay],
        "me/profile/": [DonorAccess],
        "me/pledges/": [DonorAccess],
        "me/contributions/": [DonorAccess],
        "me/receipts/": [DonorAccess],
        "me/receipts/<str:number>/": [DonorAccess],
        "me/receipts/<str:number>/pdf/": [DonorAccess],
        "me/erase/": [DonorAccess],
        "me/close/": [DonorAccess],
    }


def test_the_transparency_views_are_public_and_throttled():
    from api.permissions import AnyoneThrottled

    views = dict(_api_views(get_resolver().url_patterns, under="api/v1/transparency/"))
    assert {route: list(view.permission_classes) for route, view in views.items()} == {
        "api/v1/transparency/grants/": [AnyoneThrottled],
        "api/v1/transparency/feed/": [AnyoneThrottled],
    }
    for view in views.values():
        assert (view.authentication_classes, view.throttle_scope) == ((), "transparency")


@pytest.mark.parametrize("role", ["auditor", "treasurer", "admin"])
def test_staff_who_read_the_books_may_list_contributions(client_for, role):
    assert client_for(role).get("/api/v1/contributions/").status_code == 200


@pytest.mark.parametrize("role", ["donor", "requester", "reviewer", "norole"])
def test_nobody_else_may_list_contributions(client_for, role):
    assert client_for(role).get("/api/v1/contributions/").status_code == 403


@pytest.mark.parametrize("role", ["auditor", "admin", "donor", "norole"])
def test_only_treasurers_may_record_contributions(client_for, campaign, role):
    body = {
        "method": "cash",
        "amount": "10.00",
        "currency": "USD",
        "received_on": "2026-11-20",
        "campaign": campaign.slug,
    }
    response = post_entry(client_for(role), body, url="/api/v1/contributions/")
    assert response.status_code == 403


def test_recording_a_contribution_needs_the_second_factor(make_user, campaign):
    user, _token = make_user("treasurer")
    client = APIClient()
    client.force_login(user)
    body = {
        "method": "cash",
        "amount": "10.00",
        "currency": "USD",
        "received_on": "2026-11-20",
        "campaign": campaign.slug,
    }
    response = post_entry(client, body, url="/api/v1/contributions/")
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


def test_every_reports_view_says_who_may_use_it():
    from api.permissions import ReportAccess

    views = dict(_api_views(get_resolver().url_patterns, under="api/v1/reports/"))
    assert len(views) == 4
    for route, view in views.items():
        assert list(view.permission_classes) == [ReportAccess], route
    assert ReportAccess.read_roles == ReportAccess.write_roles == tuple(LEDGER_READERS)
