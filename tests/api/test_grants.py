"""The grants API: who may see and do what, bad input, claim codes, and a request's whole life over HTTP."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from grants import services
from grants.models import Assignment, Decision, GrantRequest, Review
from ledger.services import ledger_seal
from ledger.verification import ledger_verify
from tests.grants.fixtures import MAX_PER_REQUEST

API = "/api/v1/grants/"
REQUESTS = f"{API}requests/"
# What anyone who may see a request sees; nothing here identifies a person.
PUBLIC_FIELDS = {
    "reference",
    "fund",
    "category",
    "country",
    "currency",
    "amount_requested",
    "urgency",
    "language",
    "status",
    "approved_amount",
    "decline_reason",
    "created_at",
    # each code's label, in the language of the answer
    "category_label",
    "urgency_label",
    "status_label",
    "decline_reason_label",
    "submitted_at",
    "decided_at",
    "closed_at",
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def client_as(user) -> APIClient:
    """A client with a token of this user (staff tokens passed the second factor)."""
    from tests.factories import TOTPDeviceFactory, token_for
    from users.roles import SECOND_FACTOR_ROLES
    from users.selectors import user_has_role

    device = TOTPDeviceFactory(user=user) if user_has_role(user, *SECOND_FACTOR_ROLES) else None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, device).key}")
    return client


def body(relief, **overrides) -> dict:
    values = {
        "fund": relief.pk,
        "category": "medical",
        "country": "NG",
        "amount": "250.00",
        "currency": "EUR",
    }
    values.update(overrides)
    return values


# --- requesters ---------------------------------------------------------------------------------


def test_a_requester_signs_up_with_a_pseudonym_applies_and_follows_the_request(anonymous, relief):
    signed_up = anonymous.post(
        f"{API}requesters/", {"pseudonym": "river-42", "password": "a long passphrase 9"}, format="json"
    )
    assert signed_up.status_code == 201, signed_up.content
    assert set(signed_up.json()) == {"pseudonym", "language", "token", "expiry"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {signed_up.json()['token']}")
    created = client.post(REQUESTS, body(relief, submit=True), format="json")
    assert created.status_code == 201, created.content
    document = created.json()
    assert set(document) == PUBLIC_FIELDS
    assert document["status"] == "submitted"
    assert document["amount_requested"] == "250.00"
    assert document["reference"].startswith("GR-")
    listed = client.get(REQUESTS).json()["results"]
    assert [r["reference"] for r in listed] == [document["reference"]]


def test_a_taken_pseudonym_or_a_weak_password_is_refused(anonymous, person):
    taken = person("requester")
    response = anonymous.post(
        f"{API}requesters/", {"pseudonym": taken.username, "password": "a long passphrase 9"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "pseudonym_taken")
    response = anonymous.post(
        f"{API}requesters/", {"pseudonym": "fresh-name", "password": "123"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


def test_requester_a_cannot_learn_of_requester_bs_request(apply, person):
    theirs = apply(submit=False)
    client = client_as(person("requester"))
    path = f"{REQUESTS}{theirs.reference}/"
    assert client.get(path).status_code == 404
    assert client.patch(path, {"amount": "1.00"}, format="json").status_code == 404
    for action in ("submit", "withdraw", "appeal"):
        response = client.post(f"{path}{action}/")
        assert response.status_code == 404, action
        assert response.json()["code"] == "not_found"
    assert client.get(REQUESTS).json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.status == "draft"


def test_a_request_that_does_not_exist_answers_like_one_that_is_not_yours(apply, person):
    client = client_as(person("requester"))
    missing = client.get(f"{REQUESTS}GR-AAAAAAAAAAAAAAAA/")
    theirs = client.get(f"{REQUESTS}{apply().reference}/")
    assert missing.status_code == theirs.status_code == 404
    assert missing.json() == theirs.json()


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "approved"},
        {"approved_amount": "250.00"},
        {"reviewer": 1},
        {"requester": 1},
        {"reference": "x"},
    ],
)
def test_a_requester_cannot_set_status_approved_amount_or_reviewer(relief, person, extra):
    client = client_as(person("requester"))
    response = client.post(REQUESTS, body(relief, **extra), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == f"#/{next(iter(extra))}"
    assert GrantRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"fund": 999_999}, 400, "unknown_fund"),
        ({"category": "yachts"}, 400, "validation_error"),
        ({"country": "XX"}, 400, "unknown_country"),
        ({"country": "ke"}, 400, "validation_error"),
        ({"amount": "0.00"}, 400, "invalid_amount"),
        ({"amount": "-5.00"}, 400, "invalid_amount"),
        ({"amount": "1.001"}, 400, "invalid_amount"),
        ({"amount": "1000.01"}, 422, "above_fund_maximum"),
        ({"currency": "USD"}, 422, "currency_not_paid"),
        ({"currency": "EURO"}, 400, "validation_error"),
    ],
)
def test_bad_input_gets_a_clear_problem_and_writes_nothing(relief, person, overrides, status, code):
    client = client_as(person("requester"))
    response = client.post(REQUESTS, body(relief, **overrides), format="json")
    assert (response.status_code, response.json()["code"]) == (status, code), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert GrantRequest.objects.count() == 0


def test_a_submitted_request_cannot_be_edited(apply):
    request = apply()
    response = client_as(request.requester).patch(
        f"{REQUESTS}{request.reference}/", {"amount": "1.00"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


def test_an_invalid_transition_is_a_409_problem(apply):
    request = apply()
    response = client_as(request.requester).post(f"{REQUESTS}{request.reference}/appeal/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


# --- anonymous applications and claim codes -----------------------------------------------------------


def _apply_anonymously(client: APIClient, relief) -> dict:
    response = client.post(f"{REQUESTS}anonymous/", body(relief), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_an_anonymous_application_returns_a_claim_code_that_follows_the_request(anonymous, relief):
    application = _apply_anonymously(anonymous, relief)
    assert application["request"]["status"] == "submitted"
    status = anonymous.post(f"{API}claim/", {"claim_code": application["claim_code"]}, format="json")
    assert status.status_code == 200
    assert status.json()["reference"] == application["request"]["reference"]


def test_an_expired_claim_code_gets_a_410_and_an_unknown_one_a_404(anonymous, relief):
    application = _apply_anonymously(anonymous, relief)
    GrantRequest.objects.update(claim_code_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    expired = anonymous.post(f"{API}claim/", {"claim_code": application["claim_code"]}, format="json")
    assert (expired.status_code, expired.json()["code"]) == (410, "claim_code_expired")
    unknown = anonymous.post(f"{API}claim/", {"claim_code": "NOPE"}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "claim_code_invalid")


def test_a_claim_code_moved_into_an_account_is_spent(anonymous, relief, person):
    application = _apply_anonymously(anonymous, relief)
    owner = person("requester")
    attached = client_as(owner).post(
        f"{API}claim/attach/", {"claim_code": application["claim_code"]}, format="json"
    )
    assert attached.status_code == 200
    assert client_as(owner).get(f"{REQUESTS}{application['request']['reference']}/").status_code == 200
    reused = anonymous.post(f"{API}claim/", {"claim_code": application["claim_code"]}, format="json")
    assert (reused.status_code, reused.json()["code"]) == (409, "claim_code_used")


def test_anonymous_applications_are_throttled_per_address(anonymous, relief):
    codes = [
        anonymous.post(f"{REQUESTS}anonymous/", body(relief), format="json").status_code for _ in range(21)
    ]
    assert codes[:20] == [201] * 20
    assert codes[20] == 429
    assert GrantRequest.objects.count() == 20


def test_claim_codes_are_throttled_per_address(anonymous, relief):
    answers = [anonymous.post(f"{API}claim/", {"claim_code": f"GUESS{i}"}, format="json") for i in range(31)]
    assert [a.status_code for a in answers[:30]] == [404] * 30
    assert answers[30].status_code == 429


# --- reviewers, admins, auditors ---------------------------------------------------------------------------


def test_a_request_goes_from_application_to_approval_over_http(apply, person, relief):
    request = apply(amount=40_000)
    reviewer, admin = person("reviewer"), person("admin")
    path = f"{REQUESTS}{request.reference}/"
    assigned = client_as(admin).post(f"{path}assignments/", {"reviewer": reviewer.pk}, format="json")
    assert assigned.status_code == 201, assigned.content
    as_reviewer = client_as(reviewer)
    assert as_reviewer.get(path).json()["status"] == "in_review"
    reviewed = as_reviewer.put(f"{path}review/", {"score": 4, "recommendation": "approve"}, format="json")
    assert reviewed.status_code == 200
    approved = as_reviewer.post(f"{path}approve/", {"amount": "300.00"}, format="json")
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["approved_amount"]) == ("approved", "300.00")
    mine = client_as(request.requester).get(path).json()
    assert (mine["status"], mine["approved_amount"]) == ("approved", "300.00")
    decision = Decision.objects.get(request=request)
    assert (decision.decided_by, decision.amount) == (reviewer, 30_000)
    ledger_seal()
    assert ledger_verify().ok


def test_approving_more_than_the_fund_holds_is_a_409(in_review):
    requests = [in_review(amount=MAX_PER_REQUEST) for _ in range(4)]
    answers = [
        client_as(reviewer).post(
            f"{REQUESTS}{request.reference}/approve/", {"amount": "1000.00"}, format="json"
        )
        for request, reviewer, _admin in requests
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 409]
    assert answers[3].json()["code"] == "fund_short"


def test_a_reviewer_sees_only_what_is_assigned(in_review, person):
    request, reviewer, _admin = in_review()
    path = f"{REQUESTS}{request.reference}/"
    stranger = client_as(person("reviewer"))
    assert stranger.get(REQUESTS).json()["results"] == []
    assert stranger.get(path).status_code == 404
    for action, payload in (
        ("approve/", {"amount": "1.00"}),
        ("decline/", {"reason": "other"}),
        ("conflict/", {}),
    ):
        assert stranger.post(f"{path}{action}", payload, format="json").status_code == 404, action
    assert (
        stranger.put(f"{path}review/", {"score": 1, "recommendation": "decline"}, format="json").status_code
        == 404
    )
    assert [r["reference"] for r in client_as(reviewer).get(REQUESTS).json()["results"]] == [
        request.reference
    ]


def test_a_reviewer_who_declares_a_conflict_loses_sight_of_the_request(in_review):
    request, reviewer, _admin = in_review()
    client = client_as(reviewer)
    path = f"{REQUESTS}{request.reference}/"
    assert client.post(f"{path}conflict/").status_code == 204
    assert client.get(path).status_code == 404
    assert not Assignment.objects.filter(request=request, reviewer=reviewer).exists()


def test_an_appeal_is_decided_by_another_reviewer_over_http(in_review, person):
    request, first, admin = in_review()
    path = f"{REQUESTS}{request.reference}/"
    assert (
        client_as(first).post(f"{path}decline/", {"reason": "incomplete"}, format="json").status_code == 200
    )
    assert client_as(request.requester).post(f"{path}appeal/").json()["status"] == "appealed"
    again = client_as(admin).post(f"{path}assignments/", {"reviewer": first.pk}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "appeal_needs_another_reviewer")
    second = person("reviewer")
    client_as(admin).post(f"{path}assignments/", {"reviewer": second.pk}, format="json")
    assert client_as(second).post(f"{path}approve/", {"amount": "100.00"}, format="json").status_code == 200
    twice = client_as(request.requester).post(f"{path}appeal/")
    assert twice.status_code == 409


@pytest.mark.parametrize("role", ["auditor", "treasurer", "admin"])
def test_overseers_see_every_request_but_nothing_that_identifies_a_person(apply, person, role):
    request = apply()
    client = client_as(person(role))
    listed = client.get(REQUESTS).json()["results"]
    assert [set(r) for r in listed] == [PUBLIC_FIELDS]
    assert set(client.get(f"{REQUESTS}{request.reference}/").json()) == PUBLIC_FIELDS


WRITES = [
    ("post", "requests/", "requester"),
    ("patch", "requests/{ref}/", "requester"),
    ("post", "requests/{ref}/submit/", "requester"),
    ("post", "requests/{ref}/withdraw/", "requester"),
    ("post", "requests/{ref}/appeal/", "requester"),
    ("post", "claim/attach/", "requester"),
    ("post", "requests/{ref}/assignments/", "admin"),
    ("post", "requests/{ref}/conflict/", "reviewer"),
    ("put", "requests/{ref}/review/", "reviewer"),
    ("post", "requests/{ref}/approve/", "reviewer"),
    ("post", "requests/{ref}/decline/", "reviewer"),
    ("post", "requests/{ref}/close/", "treasurer admin"),
    ("post", "requests/{ref}/questions/", "reviewer"),
    ("post", "requests/{ref}/questions/1/answer/", "requester"),
    ("post", "requests/{ref}/notes/", "reviewer"),
    ("post", "requests/{ref}/shred/", "admin"),
]
ROLES = ["donor", "requester", "reviewer", "treasurer", "auditor", "admin", "norole"]


FORBIDDEN = [
    (method, path, role) for method, path, allowed in WRITES for role in ROLES if role not in allowed.split()
]


@pytest.mark.parametrize(("method", "path", "role"), FORBIDDEN)
def test_every_grant_write_is_refused_to_every_other_role(apply, client_for, method, path, role):
    request = apply()
    response = getattr(client_for(role), method)(API + path.format(ref=request.reference), {}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(("method", "path", "allowed"), WRITES)
def test_no_grant_write_but_applying_is_open_to_anonymous_callers(apply, anonymous, method, path, allowed):
    request = apply()
    response = getattr(anonymous, method)(API + path.format(ref=request.reference), {}, format="json")
    assert response.status_code == 401
    assert Review.objects.count() == Assignment.objects.count() == 0


@pytest.mark.parametrize("path", ["requests/", "requests/{ref}/"])
def test_reading_requests_needs_a_role_that_may(apply, client_for, anonymous, path):
    request = apply()
    assert anonymous.get(API + path.format(ref=request.reference)).status_code == 401
    assert client_for("donor").get(API + path.format(ref=request.reference)).status_code == 403


def test_the_grant_funds_are_listed_for_anyone(anonymous, relief):
    funds = anonymous.get(f"{API}funds/").json()
    assert funds == [
        {
            "fund": relief.pk,
            "code": "relief",
            "name": "Emergency relief",
            "currency": "EUR",
            "also_pays": [],
            "max_per_request": "1000.00",
            "accepting": True,
            "caps": [{"category": "legal", "category_label": "Legal", "cap": "1500.00"}],
        }
    ]


def test_a_treasurer_closes_a_withdrawn_request(apply, person):
    request = apply()
    services.grant_request_withdraw(reference=request.reference, requester=request.requester)
    response = client_as(person("treasurer")).post(f"{REQUESTS}{request.reference}/close/")
    assert (response.status_code, response.json()["status"]) == (200, "closed")


@pytest.mark.django_db(transaction=True)
def test_a_drafts_amount_changes_in_its_own_currency_outside_any_test_transaction(apply):
    draft = apply(submit=False)
    response = client_as(draft.requester).patch(
        f"{REQUESTS}{draft.reference}/", {"amount": "75.50"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["amount_requested"] == "75.50"


def test_a_request_in_another_currency_is_approved_at_a_rate_over_http(relief, person):
    services.grant_fund_rules_set(
        fund_id=relief.pk, currency="EUR", max_per_request=100_000, also_pays=("USD",)
    )
    requester, reviewer, admin = person("requester"), person("reviewer"), person("admin")
    request = services.grant_request_create(
        requester=requester,
        fund_id=relief.pk,
        category="food",
        country="KE",
        currency="USD",
        amount=20_000,
        submit=True,
    )
    services.reviewer_assign(reference=request.reference, reviewer=reviewer, assigned_by=admin)
    path = f"{REQUESTS}{request.reference}/approve/"
    without = client_as(reviewer).post(path, {"amount": "200.00"}, format="json")
    assert (without.status_code, without.json()["code"]) == (400, "rate_required")
    approved = client_as(reviewer).post(
        path, {"amount": "200.00", "rate": "0.9215", "rate_source": "ecb:2026-11-30"}, format="json"
    )
    assert approved.status_code == 200, approved.content
    assert (approved.json()["approved_amount"], approved.json()["currency"]) == ("200.00", "USD")


def test_a_drafts_narrative_and_contact_change_and_what_is_left_out_stays(apply):
    draft = apply(submit=False)
    client = client_as(draft.requester)
    path = f"{REQUESTS}{draft.reference}/"
    before = client.get(f"{path}identity/").json()
    response = client.patch(
        path, {"narrative": "The landlord changed the locks.", "contact_handle": "@new-handle"}, format="json"
    )
    assert response.status_code == 200, response.content
    after = client.get(f"{path}identity/").json()
    assert after["narrative"] == "The landlord changed the locks."
    assert after["contact_handle"] == "@new-handle"
    assert after["contact_channel"] == before["contact_channel"]


def test_a_reviewer_reads_an_assigned_requesters_identity_only_after_the_second_factor(in_review):
    from tests.factories import token_for

    request, reviewer, _admin = in_review()
    path = f"{REQUESTS}{request.reference}/identity/"
    unverified = APIClient()
    unverified.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer, None).key}")
    response = unverified.get(path)
    assert (response.status_code, response.json()["code"]) == (403, "otp_required")
    assert client_as(reviewer).get(path).status_code == 200
