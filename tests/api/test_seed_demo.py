"""The demo seed that scripts/run loads: complete, balanced, and safe to run again."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from ledger.models import Entry
from ledger.selectors import trial_balance
from ledger.verification import ledger_verify
from users.roles import Role
from users.selectors import user_has_role


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


def test_running_the_demo_seed_again_writes_nothing_new(db):
    call_command("seed_demo", stdout=io.StringIO())
    entries = Entry.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Entry.objects.count() == entries


def test_the_demo_seed_walks_a_grant_request_to_every_status_with_one_appeal_and_one_shredded(db):
    from grants.models import Appeal, GrantRequest
    from grants.workflow import Status

    call_command("seed_demo", stdout=io.StringIO())
    assert set(GrantRequest.objects.values_list("status", flat=True)) == set(Status.values)
    assert Appeal.objects.count() == 1
    assert GrantRequest.objects.filter(shredded_at__isnull=False).count() == 1
    assert ledger_verify().ok
