"""Reading the books over HTTP: accounts, funds, balances, trial balance, statements, chain head."""

import datetime

import pytest

from ledger.services import ledger_seal

LEDGER = "/api/v1/ledger"


@pytest.fixture
def books(chart, posted):
    """Donations of 25.00 (general) and 100.00 (relief) in EUR, and a 12.00 grant paid from relief."""
    c = chart
    clearing, income, bank = c.account("stripe_clearing"), c.account("donations_income"), c.account("bank")
    grants, payable = c.account("grants_expense"), c.account("grants_payable")
    posted(clearing, income, 2500, date=datetime.date(2026, 1, 5))
    posted(bank, income, 10_000, fund=c.relief, date=datetime.date(2026, 2, 5))
    posted(grants, payable, 1200, fund=c.relief, date=datetime.date(2026, 3, 5))
    posted(payable, bank, 1200, fund=c.relief, date=datetime.date(2026, 3, 6))
    return c


# --- accounts and funds ------------------------------------------------------------


def test_the_chart_of_accounts_lists_every_account_by_code(auditor, chart):
    page = auditor.get(f"{LEDGER}/accounts/?page_size=500").json()
    assert page["count"] == 45
    codes = [account["code"] for account in page["results"]]
    assert codes == sorted(codes)
    bank = next(a for a in page["results"] if a["code"] == "1020-EUR")
    assert bank == {
        "id": chart.account("bank").pk,
        "code": "1020-EUR",
        "name": "Bank (EUR)",
        "type": "asset",
        "currency": "EUR",
        "role": "bank",
        "floor": "0.00",
    }


@pytest.mark.parametrize(
    ("query", "count"), [("currency=KWD", 9), ("type=income", 5), ("role=bank&currency=JPY", 1)]
)
def test_accounts_filter_by_currency_type_and_role(auditor, chart, query, count):
    assert auditor.get(f"{LEDGER}/accounts/?{query}").json()["count"] == count


def test_an_account_shows_its_balance_over_all_funds(auditor, books):
    bank = books.account("bank")
    account = auditor.get(f"{LEDGER}/accounts/{bank.pk}/").json()
    assert account["balance"] == "88.00"


def test_funds_list_and_detail(auditor, chart):
    funds = auditor.get(f"{LEDGER}/funds/").json()["results"]
    assert [(f["code"], f["restricted"]) for f in funds] == [("general", False), ("relief", True)]
    relief = auditor.get(f"{LEDGER}/funds/{chart.relief.pk}/").json()
    assert relief["name"] == "Emergency relief"


@pytest.mark.parametrize("path", ["accounts/999999/", "funds/999999/", "accounts/999999/statement/"])
def test_missing_accounts_and_funds_are_not_found(auditor, chart, path):
    response = auditor.get(f"{LEDGER}/{path}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- balances ------------------------------------------------------------------------


def test_balances_are_kept_per_account_and_fund(auditor, books):
    bank = books.account("bank")
    rows = auditor.get(f"{LEDGER}/balances/?account={bank.pk}").json()["results"]
    assert rows == [
        {"account": bank.pk, "fund": books.relief.pk, "currency": "EUR", "balance": "88.00", "floor": "0.00"}
    ]


def test_balances_filter_by_fund_and_currency(auditor, books):
    relief = auditor.get(f"{LEDGER}/balances/?fund={books.relief.pk}").json()["results"]
    assert {row["fund"] for row in relief} == {books.relief.pk}
    assert auditor.get(f"{LEDGER}/balances/?currency=USD").json()["count"] == 0


def test_the_trial_balance_balances_per_currency(auditor, books):
    report = auditor.get(f"{LEDGER}/trial-balance/").json()
    assert report["fund"] is None
    eur = next(total for total in report["totals"] if total["currency"] == "EUR")
    assert eur == {"currency": "EUR", "debit": "125.00", "credit": "125.00"}
    income = next(row for row in report["rows"] if row["code"] == "4000-EUR")
    assert (income["debit"], income["credit"], income["balance"]) == ("0.00", "125.00", "-125.00")
    jpy = next(total for total in report["totals"] if total["currency"] == "JPY")
    assert jpy == {"currency": "JPY", "debit": "0", "credit": "0"}


def test_the_trial_balance_can_be_taken_within_one_fund(auditor, books):
    report = auditor.get(f"{LEDGER}/trial-balance/?fund={books.relief.pk}").json()
    assert report["fund"] == books.relief.pk
    eur = next(total for total in report["totals"] if total["currency"] == "EUR")
    assert eur["debit"] == eur["credit"] == "100.00"


def test_fund_balances_show_what_each_fund_holds(auditor, books):
    rows = auditor.get(f"{LEDGER}/fund-balances/").json()
    relief = next(row for row in rows if row["fund_code"] == "relief")
    assert relief == {
        "fund": books.relief.pk,
        "fund_code": "relief",
        "currency": "EUR",
        "assets": "88.00",
        "liabilities": "0.00",
        "income": "100.00",
        "expenses": "12.00",
        "net_assets": "88.00",
    }


# --- statements ----------------------------------------------------------------------


def test_a_statement_lists_postings_with_a_running_balance(auditor, books):
    bank = books.account("bank")
    statement = auditor.get(f"{LEDGER}/accounts/{bank.pk}/statement/").json()
    assert statement["currency"] == "EUR"
    assert statement["opening_balance"] == "0.00"
    assert [(line["amount"], line["running_balance"]) for line in statement["lines"]] == [
        ("100.00", "100.00"),
        ("-12.00", "88.00"),
    ]
    assert statement["closing_balance"] == "88.00"
    assert statement["truncated"] is False


def test_a_statement_opens_with_everything_before_its_first_date(auditor, books):
    bank = books.account("bank")
    statement = auditor.get(f"{LEDGER}/accounts/{bank.pk}/statement/?date_from=2026-03-01").json()
    assert statement["date_from"] == "2026-03-01"
    assert statement["opening_balance"] == "100.00"
    assert [line["amount"] for line in statement["lines"]] == ["-12.00"]
    assert statement["closing_balance"] == "88.00"


def test_a_statement_can_be_limited_to_a_date_range_and_fund(auditor, books):
    income = books.account("donations_income")
    url = f"{LEDGER}/accounts/{income.pk}/statement/?date_to=2026-01-31&fund={books.general.pk}"
    statement = auditor.get(url).json()
    assert statement["fund"] == books.general.pk
    assert [line["amount"] for line in statement["lines"]] == ["-25.00"]


def test_a_long_statement_says_it_is_truncated(auditor, books):
    bank = books.account("bank")
    statement = auditor.get(f"{LEDGER}/accounts/{bank.pk}/statement/?limit=1").json()
    assert statement["truncated"] is True
    assert len(statement["lines"]) == 1
    assert statement["closing_balance"] == "100.00"


def test_a_statement_range_must_not_end_before_it_starts(auditor, books):
    bank = books.account("bank")
    response = auditor.get(f"{LEDGER}/accounts/{bank.pk}/statement/?date_from=2026-03-01&date_to=2026-02-01")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "date_to"


# --- the hash chain ------------------------------------------------------------------


def test_an_empty_chain_has_the_zero_head(auditor, chart):
    assert auditor.get(f"{LEDGER}/chain/head/").json() == {"seq": 0, "hash": "0" * 64}


def test_the_chain_head_is_the_newest_seal(auditor, books):
    head = ledger_seal()
    assert auditor.get(f"{LEDGER}/chain/head/").json() == {"seq": 4, "hash": head.head_hash.hex()}


@pytest.mark.parametrize(
    ("query", "status"), [("page=", 400), ("page=last", 400), ("page=0", 400), ("page=9", 404)]
)
def test_page_numbers_are_whole_numbers_within_range(auditor, chart, query, status):
    response = auditor.get(f"{LEDGER}/accounts/?{query}")
    assert response.status_code == status


@pytest.mark.parametrize("value", ["%0C", "%20EUR", "EUR%20", ""])
def test_a_currency_filter_that_is_not_a_code_is_refused_not_ignored(auditor, chart, value):
    response = auditor.get(f"/api/v1/ledger/accounts/?currency={value}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["parameter"] == "currency"
