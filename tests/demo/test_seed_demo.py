"""The demo seed that scripts/run loads: complete, balanced, rerunnable, and refused in production."""

import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from ledger.models import Entry
from ledger.selectors import trial_balance
from ledger.verification import ledger_verify
from tests.database_url import current_database_url
from tests.production import run_python, subprocess_env
from users.roles import Role
from users.selectors import user_has_role

FORCE = "--i-know-this-is-not-production"


@override_settings(DEBUG=True)
def test_the_demo_seed_creates_a_user_per_role_and_books_that_verify(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = get_user_model().objects
    for role in Role.values:
        assert any(user_has_role(u, role) for u in users.all()), role
    assert "Authorization: Token " in out.getvalue()
    assert Entry.objects.count() > 10
    assert sum(row.balance for row in trial_balance()) == 0
    assert ledger_verify().ok


@override_settings(DEBUG=True)
def test_running_the_demo_seed_again_writes_nothing_new(db):
    call_command("seed_demo", stdout=io.StringIO())
    entries = Entry.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Entry.objects.count() == entries


def test_the_demo_seed_refuses_to_run_with_debug_off(db):
    assert settings.DEBUG is False
    with pytest.raises(CommandError, match=FORCE):
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert not get_user_model().objects.exists()
    assert not Entry.objects.exists()


def test_forcing_the_demo_seed_with_debug_off_warns(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", FORCE, stdout=out, stderr=err)
    assert "WARNING: DEBUG is off" in err.getvalue()
    assert "demo-admin" in err.getvalue()
    assert Entry.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_scripts_run_settings_have_debug_on_so_the_seed_runs():
    """What scripts/run does: seed_demo under config.settings.local, with no flag."""
    env = subprocess_env()
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=current_database_url())
    result = run_python(["manage.py", "seed_demo"], env)
    assert result.returncode == 0, result.stderr
    assert "Authorization: Token " in result.stdout
    assert "WARNING" not in result.stderr
    assert Entry.objects.count() > 10


@override_settings(DEBUG=True)
def test_the_demo_seed_gives_to_two_campaigns_in_three_currencies(db):
    from rest_framework.test import APIClient

    from pledges.models import Campaign, Pledge, Receipt
    from pledges.selectors import campaign_progress

    call_command("seed_demo", stdout=io.StringIO())
    progress = campaign_progress(Campaign.objects.all())
    assert {currency for p in progress.values() for currency in p.raised} == {"EUR", "USD", "GBP"}
    assert Pledge.objects.filter(donor__isnull=True).exists()
    assert Pledge.objects.filter(donor__username="demo-donor").exists()
    # The demo donor chose to be named, and has receipts to download.
    supporters = APIClient().get("/api/v1/campaigns/legal-aid/supporters/").json()
    assert supporters == {"named": ["Demo Donor"], "others": 1}
    assert Receipt.objects.filter(pledge__donor__username="demo-donor").count() == 2


@override_settings(DEBUG=True)
def test_the_demo_seed_shows_a_bank_refund_a_late_match_and_a_lost_dispute_in_books_that_verify(db):
    from pledges.models import AdjustmentKind, ContributionAdjustment, ContributionMatch

    call_command("seed_demo", stdout=io.StringIO())
    kinds = set(ContributionAdjustment.objects.values_list("kind", flat=True))
    assert {AdjustmentKind.DISPUTE_WITHDRAWN} <= kinds
    assert ContributionAdjustment.objects.exclude(kind=AdjustmentKind.DISPUTE_WITHDRAWN).exists()
    disputed = ContributionAdjustment.objects.get(kind=AdjustmentKind.DISPUTE_WITHDRAWN).contribution
    assert (disputed.presentment_currency, disputed.currency) == ("MXN", "USD")
    assert ContributionMatch.objects.filter(entry_id__isnull=False).count() == 1
    assert ledger_verify().ok


@override_settings(DEBUG=True)
def test_the_demo_seed_walks_a_grant_request_to_every_status_with_one_appeal_and_one_shredded(db):
    from grants.models import Appeal, GrantRequest
    from grants.workflow import Status

    call_command("seed_demo", stdout=io.StringIO())
    assert set(GrantRequest.objects.values_list("status", flat=True)) == set(Status.values)
    assert Appeal.objects.count() == 1
    assert GrantRequest.objects.filter(shredded_at__isnull=False).count() == 1
    assert ledger_verify().ok


@override_settings(DEBUG=True)
def test_the_demo_seed_pays_grants_through_payouts_and_leaves_one_awaiting_a_second_treasurer(db):
    from payouts.models import Disbursement

    call_command("seed_demo", stdout=io.StringIO())
    statuses = sorted(Disbursement.objects.values_list("status", "needs_second_approval"))
    assert statuses == [("proposed", True), ("sent", False), ("sent", False)]
    waiting = Disbursement.objects.get(status="proposed")
    assert waiting.proposed_by.username == "demo-treasurer"
    assert ledger_verify().ok
