"""Two reviewers approving at the same moment cannot commit more than the fund's uncommitted money."""

import threading
import traceback

import pytest
from django.db import connection

from grants import exceptions, services
from grants.models import GrantRequest
from grants.workflow import Status
from ledger.models import Entry, EntryKind
from ledger.selectors import fund_net_assets
from ledger.services import entry_post, ledger_seal
from ledger.verification import ledger_verify

ROUNDS = 4


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_never_overcommit_the_fund(in_review, relief, chart):
    # Leave room for exactly one of each pair: the fund holds 1.5 requests' worth.
    spent = fund_net_assets(fund_id=relief.pk, currency="EUR") - 75_000
    entry_post(chart.transfer(chart.account("grants_expense"), chart.account("bank"), spent, fund=relief))
    for _round in range(ROUNDS):
        pair = [in_review(amount=50_000) for _ in range(2)]
        outcomes: list[str] = []
        errors: list[str] = []
        start = threading.Barrier(2)

        def approve(request, reviewer, start=start, outcomes=outcomes, errors=errors):
            try:
                start.wait(timeout=30)
                services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=50_000)
                outcomes.append("approved")
            except exceptions.FundShort:
                outcomes.append("fund_short")
            except Exception:
                errors.append(traceback.format_exc())
            finally:
                connection.close()

        threads = [
            threading.Thread(target=approve, args=(request, reviewer)) for request, reviewer, _ in pair
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors[0]
        assert sorted(outcomes) == ["approved", "fund_short"]
        # Top the fund up by what the approval took, for the next round.
        entry_post(
            chart.transfer(chart.account("bank"), chart.account("donations_income"), 50_000, fund=relief)
        )

    assert GrantRequest.objects.filter(status=Status.APPROVED).count() == ROUNDS
    assert Entry.objects.filter(kind=EntryKind.GRANT).count() == ROUNDS
    assert fund_net_assets(fund_id=relief.pk, currency="EUR") == 75_000
    ledger_seal()
    assert ledger_verify().ok
