"""The admin site: funds are added and renamed, periods closed for good, ledger rows read-only."""

import datetime

import pytest
from django.utils import timezone

from ledger.models import ClosedPeriod, Entry, Fund, Posting
from ledger.services import entry_post, period_close
from tests.users.admin_login import otp_force_login

FUND_ADD = "/admin/ledger/fund/add/"
PERIOD_ADD = "/admin/ledger/closedperiod/add/"
OCTOBER = {"start_date": "2025-10-01", "end_date": "2025-10-31"}


@pytest.fixture
def admin_client(admin_user, client):
    """pytest-django's admin_client, past the admin's second factor (an OTP admin site)."""
    return otp_force_login(client, admin_user)


def fund_form(**overrides) -> dict:
    return {"code": "legal-aid", "name": "Legal aid", "description": "", **overrides}


def test_an_admin_adds_a_fund(admin_client, chart):
    response = admin_client.post(FUND_ADD, fund_form(restricted="on"))
    assert response.status_code == 302, response.content
    fund = Fund.objects.get(code="legal-aid")
    assert (fund.name, fund.restricted) == ("Legal aid", True)
    assert response["Location"] == "/admin/ledger/fund/"


def test_a_fund_code_in_use_is_a_form_error(admin_client, chart):
    response = admin_client.post(FUND_ADD, fund_form(code="relief"))
    assert response.status_code == 200
    assert "Fund with this Code already exists." in response.content.decode()
    assert Fund.objects.filter(code="relief").count() == 1


def test_a_fund_is_renamed_but_its_code_stays(admin_client, chart):
    url = f"/admin/ledger/fund/{chart.relief.pk}/change/"
    response = admin_client.post(url, fund_form(code="other", name="Relief", restricted="on"))
    assert response.status_code == 302
    fund = Fund.objects.get(pk=chart.relief.pk)
    assert (fund.code, fund.name, fund.restricted) == ("relief", "Relief", True)


def test_a_funds_restriction_is_fixed_once_money_is_booked_to_it(admin_client, chart):
    url = f"/admin/ledger/fund/{chart.relief.pk}/change/"
    entry_post(
        chart.transfer(chart.account("bank"), chart.account("donations_income"), 500, fund=chart.relief)
    )
    assert admin_client.post(url, fund_form(name="Relief")).status_code == 302
    assert Fund.objects.get(pk=chart.relief.pk).restricted is True
    unbooked = Fund.objects.create(code="empty", name="Empty", restricted=True)
    admin_client.post(f"/admin/ledger/fund/{unbooked.pk}/change/", fund_form(name="Empty"))
    assert Fund.objects.get(pk=unbooked.pk).restricted is False


def test_funds_are_never_deleted(admin_client, chart):
    assert (
        admin_client.post(f"/admin/ledger/fund/{chart.relief.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Fund.objects.filter(pk=chart.relief.pk).exists()


def test_an_admin_closes_a_period_in_their_own_name(admin_client, admin_user, chart):
    response = admin_client.post(PERIOD_ADD, OCTOBER)
    assert response.status_code == 302, response.content
    period = ClosedPeriod.objects.get()
    assert (str(period.start_date), str(period.end_date)) == (OCTOBER["start_date"], OCTOBER["end_date"])
    assert period.closed_by_id == admin_user.pk


def test_a_period_overlapping_a_closed_one_is_a_form_error(admin_client, chart):
    period_close(start_date=datetime.date(2025, 10, 1), end_date=datetime.date(2025, 10, 31))
    response = admin_client.post(PERIOD_ADD, {"start_date": "2025-10-31", "end_date": "2025-11-30"})
    assert response.status_code == 200
    assert response.content.decode().count("overlaps a period that is already closed") == 1
    assert ClosedPeriod.objects.count() == 1


def test_a_backwards_period_is_a_form_error(admin_client, chart):
    response = admin_client.post(PERIOD_ADD, {"start_date": "2025-10-31", "end_date": "2025-10-01"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not ClosedPeriod.objects.exists()


def test_a_period_that_has_not_ended_is_a_form_error(admin_client, chart):
    today = timezone.localdate()
    body = {"start_date": str(today), "end_date": str(today + datetime.timedelta(days=1))}
    response = admin_client.post(PERIOD_ADD, body)
    assert response.status_code == 200
    assert "A period can be closed once it has ended" in response.content.decode()
    assert not ClosedPeriod.objects.exists()


@pytest.mark.parametrize("action", ["change", "delete"])
def test_a_closed_period_is_never_changed_or_deleted(admin_client, chart, action):
    period = period_close(start_date=datetime.date(2025, 10, 1), end_date=datetime.date(2025, 10, 31))
    url = f"/admin/ledger/closedperiod/{period.pk}/{action}/"
    response = admin_client.post(url, {"start_date": "2025-09-01", "end_date": "2025-09-30", "post": "yes"})
    assert response.status_code == 403
    assert ClosedPeriod.objects.get().start_date == datetime.date(2025, 10, 1)


@pytest.mark.parametrize("model", ["entry", "posting", "account", "balance", "checkpoint", "seal"])
def test_ledger_rows_can_be_read_but_not_added_changed_or_deleted(admin_client, chart, model):
    entry_post(chart.transfer(chart.account("bank"), chart.account("donations_income"), 500))
    row = {"entry": Entry, "posting": Posting}.get(model)
    assert admin_client.get(f"/admin/ledger/{model}/").status_code == 200
    assert admin_client.post(f"/admin/ledger/{model}/add/", {}).status_code == 403
    if row is not None:
        pk = row.objects.values_list("pk", flat=True).first()
        assert admin_client.get(f"/admin/ledger/{model}/{pk}/change/").status_code == 200
        assert admin_client.post(f"/admin/ledger/{model}/{pk}/change/", {}).status_code == 403
        assert admin_client.post(f"/admin/ledger/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
