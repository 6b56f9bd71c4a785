"""Anonymous applications: a claim code shown once, kept as a hash, refused if unknown, spent or expired."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from grants import exceptions, services
from grants.models import GrantRequest
from grants.selectors import claim_code_digest, grant_request_get_by_claim_code
from grants.workflow import Status


@pytest.fixture
def anonymous(relief):
    return services.grant_request_apply_anonymously(
        fund_id=relief.pk, category="safety_relocation", country="UG", currency="EUR", amount=40_000
    )


def test_an_anonymous_application_is_submitted_with_a_long_random_claim_code(anonymous):
    code = anonymous.claim_code
    assert len(code.replace("-", "")) == 32  # 160 bits in base32
    assert anonymous.request.status == Status.SUBMITTED
    assert anonymous.request.requester is None
    assert grant_request_get_by_claim_code(code=code.lower()).pk == anonymous.request.pk


def test_the_claim_code_is_stored_only_as_its_hash(anonymous):
    code = anonymous.claim_code
    with connection.cursor() as cursor:
        cursor.execute("SELECT grants_grantrequest::text FROM grants_grantrequest")
        rows = " ".join(row[0] for row in cursor.fetchall())
    assert code not in rows and code.replace("-", "") not in rows
    assert bytes(GrantRequest.objects.get().claim_code_hash) == claim_code_digest(code)


def test_an_unknown_claim_code_is_refused(anonymous):
    with pytest.raises(exceptions.ClaimCodeInvalid):
        grant_request_get_by_claim_code(code="AAAA-" * 7 + "AAAA")


def test_an_expired_claim_code_is_refused(anonymous):
    GrantRequest.objects.update(claim_code_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(exceptions.ClaimCodeExpired):
        grant_request_get_by_claim_code(code=anonymous.claim_code)


def test_a_claim_code_is_spent_once_it_moves_the_request_into_an_account(anonymous, person):
    requester = person("requester")
    services.grant_request_claim(code=anonymous.claim_code, requester=requester)
    assert GrantRequest.objects.get().requester == requester
    with pytest.raises(exceptions.ClaimCodeUsed):
        services.grant_request_claim(code=anonymous.claim_code, requester=person("requester"))
    with pytest.raises(exceptions.ClaimCodeUsed):
        grant_request_get_by_claim_code(code=anonymous.claim_code)


def test_an_anonymous_requester_withdraws_with_the_claim_code(anonymous):
    services.grant_request_withdraw_by_claim_code(code=anonymous.claim_code)
    assert GrantRequest.objects.get().status == Status.WITHDRAWN
