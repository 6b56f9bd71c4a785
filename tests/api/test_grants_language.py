"""Requesters read their requests in their own language; reviewers in theirs; codes never change."""

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from grants import exceptions, services
from grants.models import GrantRequest, RequesterProfile
from tests.api.test_grants import API, REQUESTS, body, client_as

CODES = ("status", "category", "urgency", "decline_reason", "language", "reference")
LABELS = ("status_label", "category_label", "urgency_label", "decline_reason_label")


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def sign_up(client: APIClient, pseudonym: str, **extra) -> APIClient:
    response = client.post(
        f"{API}requesters/",
        {"pseudonym": pseudonym, "password": "a long passphrase 9", **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return signed_in


@pytest.fixture
def declined(relief, person):
    """A request declined as incomplete, by a requester whose account reads Arabic."""
    requester = person("requester")
    services.requester_language_set(requester=requester, language="ar")
    request = services.grant_request_create(
        requester=requester,
        fund_id=relief.pk,
        category="safety_relocation",
        country="UG",
        currency="EUR",
        amount=30_000,
        urgency="critical",
        language="ar",
        submit=True,
    )
    reviewer, admin = person("reviewer"), person("admin")
    services.reviewer_assign(reference=request.reference, reviewer=reviewer, assigned_by=admin)
    services.grant_request_decline(reference=request.reference, reviewer=reviewer, reason="incomplete")
    return request, reviewer


def test_the_same_request_reads_in_arabic_and_in_english_with_the_same_codes(declined):
    request, _reviewer = declined
    client, path = client_as(request.requester), f"{REQUESTS}{request.reference}/"
    arabic = client.get(path)
    assert arabic["Content-Language"] == "ar"
    assert client.patch(f"{API}requesters/me/", {"language": "en"}, format="json").json()["language"] == "en"
    english = client.get(path)
    assert english["Content-Language"] == "en"
    assert {k: arabic.json()[k] for k in CODES} == {k: english.json()[k] for k in CODES}
    assert {k: arabic.json()[k] for k in LABELS} == {
        "status_label": "مرفوض",
        "category_label": "الأمان والانتقال",
        "urgency_label": "حرجة",
        "decline_reason_label": "غير مكتمل أو دون إجابة",
    }
    assert {k: english.json()[k] for k in LABELS} == {
        "status_label": "Declined",
        "category_label": "Safety and relocation",
        "urgency_label": "Critical",
        "decline_reason_label": "Incomplete or unanswered",
    }


def test_a_requesters_own_language_wins_over_accept_language(declined):
    request, _reviewer = declined
    response = client_as(request.requester).get(f"{REQUESTS}", HTTP_ACCEPT_LANGUAGE="fr, en;q=0.5")
    assert response["Content-Language"] == "ar"
    assert response.json()["results"][0]["status_label"] == "مرفوض"


def test_a_reviewer_reads_the_request_in_their_own_language_not_the_requesters(declined):
    request, reviewer = declined
    path = f"{REQUESTS}{request.reference}/"
    french = client_as(reviewer).get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert (french["Content-Language"], french.json()["status_label"]) == ("fr", "Refusée")
    plain = client_as(reviewer).get(path)
    assert (plain["Content-Language"], plain.json()["status_label"]) == ("en", "Declined")
    assert french.json()["status"] == plain.json()["status"] == "declined"


def test_sign_up_takes_the_language_asked_for_or_accept_languages(anonymous, relief):
    from_header = sign_up(APIClient(HTTP_ACCEPT_LANGUAGE="ar"), "sky-1")
    assert from_header.get(f"{API}requesters/me/").json() == {"pseudonym": "sky-1", "language": "ar"}
    explicit = sign_up(APIClient(HTTP_ACCEPT_LANGUAGE="ar"), "sky-2", language="es")
    assert explicit.get(f"{API}requesters/me/").json()["language"] == "es"
    created = from_header.post(REQUESTS, body(relief), format="json")
    assert created.status_code == 201, created.content
    assert (created["Content-Language"], created.json()["language"]) == ("ar", "ar")
    assert created.json()["status_label"] == "مسودة"


def test_an_anonymous_applicant_is_answered_in_the_language_of_their_request(anonymous, relief):
    applied = anonymous.post(f"{REQUESTS}anonymous/", body(relief, language="ar"), format="json")
    assert applied.status_code == 201, applied.content
    assert applied["Content-Language"] == "ar"
    assert applied.json()["request"]["status_label"] == "مُقدَّم"
    code = {"claim_code": applied.json()["claim_code"]}
    followed = anonymous.post(f"{API}claim/", code, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert (followed["Content-Language"], followed.json()["status_label"]) == ("ar", "مُقدَّم")
    assert anonymous.post(f"{API}claim/withdraw/", code, format="json").json()["status_label"] == "مسحوب"
    again = anonymous.post(f"{API}claim/withdraw/", code, format="json", HTTP_ACCEPT_LANGUAGE="en")
    problem = again.json()
    assert (again.status_code, problem["code"], problem["type"]) == (
        409,
        "invalid_transition",
        "urn:tadamun:problem:invalid_transition",
    )
    assert (problem["title"], problem["detail"]) == (
        "غير ممكن الآن",
        "لا يمكن لطلب حالته «مسحوب» أن تصبح حالته «مسحوب».",
    )
    assert again["Content-Language"] == "ar"


def test_an_anonymous_application_without_a_language_takes_accept_languages(anonymous, relief):
    applied = anonymous.post(f"{REQUESTS}anonymous/", body(relief), format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert (applied["Content-Language"], applied.json()["request"]["language"]) == ("fr", "fr")
    unknown = anonymous.post(f"{API}claim/", {"claim_code": "NOPE"}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert unknown.json()["code"] == "claim_code_invalid"
    assert unknown.json()["title"] == "رمز متابعة غير صالح"


def test_a_requesters_problems_read_in_their_language_with_the_same_code_and_type(declined, person):
    request, _reviewer = declined
    stranger = person("requester")
    path = f"{REQUESTS}{request.reference}/"
    english = client_as(stranger).get(path).json()
    services.requester_language_set(requester=stranger, language="ar")
    arabic = client_as(stranger).get(path).json()
    assert {k: arabic[k] for k in ("type", "status", "code")} == {
        k: english[k] for k in ("type", "status", "code")
    }
    assert (english["title"], english["detail"]) == (
        "Not found",
        "No such grant request (or none you may see).",
    )
    assert (arabic["title"], arabic["detail"]) == (
        "غير موجود",
        "لا يوجد طلب منحة كهذا (أو لا يحق لك الاطلاع عليه).",
    )


@pytest.mark.parametrize(
    ("overrides", "code", "title"),
    [
        ({"amount": "1000.01"}, "above_fund_maximum", "أعلى من الحد الأقصى للصندوق"),
        ({"amount": "1.001"}, "invalid_amount", "مبلغ غير صالح"),
        ({"country": "XX"}, "unknown_country", "بلد غير معروف"),
        ({"currency": "EURO"}, "validation_error", "طلب غير صالح"),
        ({"category": None}, "validation_error", "طلب غير صالح"),
    ],
)
def test_bad_input_is_refused_in_arabic_and_writes_nothing(relief, person, overrides, code, title):
    requester = person("requester")
    services.requester_language_set(requester=requester, language="ar")
    response = client_as(requester).post(REQUESTS, body(relief, **overrides), format="json")
    problem = response.json()
    assert (problem["code"], problem["title"]) == (code, title)
    assert not problem["detail"].isascii()
    assert all(not error["detail"].isascii() for error in problem.get("errors", []))
    assert GrantRequest.objects.count() == 0


def test_generic_problems_read_in_the_language_asked_for(relief, client_for):
    anonymous = APIClient().get(REQUESTS, HTTP_ACCEPT_LANGUAGE="ar")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (anonymous["Content-Language"], anonymous.json()["title"]) == ("ar", "غير مُصادَق")
    assert not anonymous.json()["detail"].isascii()
    donor = client_for("donor").get(REQUESTS, HTTP_ACCEPT_LANGUAGE="es")
    assert (donor.json()["code"], donor.json()["title"]) == ("permission_denied", "Prohibido")
    assert donor.json()["detail"].startswith("Esto requiere uno de los roles")
    missing = APIClient().get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="ar")
    assert (missing.json()["code"], missing.json()["title"]) == ("not_found", "غير موجود")


def test_a_language_outside_languages_is_refused_everywhere(anonymous, relief, person):
    response = anonymous.post(f"{REQUESTS}anonymous/", body(relief, language="de"), format="json")
    assert (response.status_code, response.json()["errors"][0]["pointer"]) == (400, "#/language")
    requester = person("requester")
    me = client_as(requester).patch(f"{API}requesters/me/", {"language": "xx"}, format="json")
    assert (me.status_code, me.json()["code"]) == (400, "validation_error")
    with pytest.raises(exceptions.UnsupportedLanguage):
        services.requester_language_set(requester=requester, language="de")
    with pytest.raises(exceptions.UnsupportedLanguage):
        services.grant_request_create(
            requester=requester,
            fund_id=relief.pk,
            category="food",
            country="KE",
            currency="EUR",
            amount=100,
            language="de",
        )
    assert not RequesterProfile.objects.filter(user=requester).exists()
    assert GrantRequest.objects.count() == 0


def test_the_database_refuses_a_language_outside_languages(apply, person):
    request = apply()
    with pytest.raises(IntegrityError, match="grantrequest_language_known"), transaction.atomic():
        GrantRequest.objects.filter(pk=request.pk).update(language="de")
    with pytest.raises(IntegrityError, match="requesterprofile_language_known"), transaction.atomic():
        RequesterProfile.objects.create(user=person("requester"), language="klingon")


def test_only_requesters_have_an_account_language(client_for):
    assert client_for("reviewer").get(f"{API}requesters/me/").status_code == 403
    assert APIClient().get(f"{API}requesters/me/").status_code == 401
