"""Who reads a request's access log: assigned reviewers, treasurers once it is approved, admins."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from grants import exceptions, services
from grants.models import GrantRequest
from grants.selectors import grant_request_access_log_list_for, grant_request_get_for_access_log
from tests.factories import TOTPDeviceFactory, token_for
from users.roles import SECOND_FACTOR_ROLES
from users.selectors import user_has_role

API = "/api/v1/grants/requests/"

# Every state a request can be in, and whether treasurers handle it (they pay approved requests).
STATES = {
    "draft": False,
    "submitted": False,
    "in_review": False,
    "declined": False,
    "appealed": False,
    "withdrawn": False,
    "closed_after_withdrawal": False,
    "closed_after_decline": False,
    "approved": True,
    "approved_on_appeal": True,
    "paid": True,
    "closed_after_payment": True,
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def client_as(user) -> APIClient:
    device = TOTPDeviceFactory(user=user) if user_has_role(user, *SECOND_FACTOR_ROLES) else None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, device).key}")
    return client


@pytest.fixture
def request_in(apply, person) -> Callable[[str], tuple[GrantRequest, object | None]]:
    """request_in(state) -> (request, its assigned reviewer or None), brought there through the services."""

    def make(state: str) -> tuple[GrantRequest, object | None]:
        request = apply(submit=state != "draft")
        ref, requester = request.reference, request.requester
        reviewer = None
        if state in {"withdrawn", "closed_after_withdrawal"}:
            services.grant_request_withdraw(reference=ref, requester=requester)
        elif state not in {"draft", "submitted"}:
            reviewer = person("reviewer")
            services.reviewer_assign(reference=ref, reviewer=reviewer, assigned_by=person("admin"))
        if state in {"declined", "appealed", "closed_after_decline", "approved_on_appeal"}:
            services.grant_request_decline(reference=ref, reviewer=reviewer, reason="incomplete")
        if state in {"appealed", "approved_on_appeal"}:
            services.grant_request_appeal(reference=ref, requester=requester)
            reviewer = person("reviewer")
            services.reviewer_assign(reference=ref, reviewer=reviewer, assigned_by=person("admin"))
        if state in {"approved", "approved_on_appeal", "paid", "closed_after_payment"}:
            services.grant_request_approve(reference=ref, reviewer=reviewer, amount=20_000)
        if state in {"paid", "closed_after_payment"}:
            services.grant_request_mark_paid(reference=ref)
        if state.startswith("closed_"):
            services.grant_request_close(reference=ref)
        request.refresh_from_db()
        return request, reviewer

    return make


def test_the_states_cover_every_status(request_in):
    from grants.workflow import Status

    assert {request_in(state)[0].status for state in STATES} == set(Status.values)


@pytest.mark.parametrize(("state", "handled"), STATES.items())
def test_a_treasurer_reads_the_log_of_approved_paid_and_closed_after_approval_requests_only(
    request_in, person, state, handled
):
    request, _reviewer = request_in(state)
    response = client_as(person("treasurer")).get(f"{API}{request.reference}/access-log/")
    if handled:
        assert response.status_code == 200, response.content
        assert isinstance(response.json(), list)
    else:
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        missing = client_as(person("treasurer")).get(f"{API}GR-AAAAAAAAAAAAAAAA/access-log/")
        assert response.json() == missing.json()


@pytest.mark.parametrize("state", STATES)
def test_an_admin_reads_the_log_of_every_request(request_in, person, state):
    request, _reviewer = request_in(state)
    assert client_as(person("admin")).get(f"{API}{request.reference}/access-log/").status_code == 200


# States a request reaches without ever having a reviewer.
UNREVIEWED = {"draft", "submitted", "withdrawn", "closed_after_withdrawal"}


@pytest.mark.parametrize("state", [state for state in STATES if state not in UNREVIEWED])
def test_the_assigned_reviewer_reads_the_log_and_another_reviewer_gets_a_404(request_in, person, state):
    request, reviewer = request_in(state)
    path = f"{API}{request.reference}/access-log/"
    assert client_as(reviewer).get(path).status_code == 200
    assert client_as(person("reviewer")).get(path).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("auditor", 403), ("requester", 403), ("donor", 403)])
def test_other_roles_never_read_a_log_even_of_an_approved_request(request_in, person, role, status):
    request, _reviewer = request_in("approved")
    path = f"{API}{request.reference}/access-log/"
    assert client_as(person(role)).get(path).status_code == status
    assert client_as(request.requester).get(path).status_code == 403
    assert APIClient().get(path).status_code == 401


def test_the_rule_is_the_selectors_a_treasurer_who_reviews_sees_both_sets(request_in, person):
    approved, _ = request_in("approved")
    under_review, reviewer = request_in("in_review")
    declined, _ = request_in("declined")
    from users.services import user_role_assign

    user_role_assign(user=reviewer, role="treasurer")
    readable = set(grant_request_access_log_list_for(user=reviewer).values_list("reference", flat=True))
    assert readable == {approved.reference, under_review.reference}
    with pytest.raises(exceptions.RequestNotFound):
        grant_request_get_for_access_log(user=reviewer, reference=declined.reference)
