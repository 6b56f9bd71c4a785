"""Journal entries over HTTP: posting, idempotency, reversal, detail with seal, cursor pages, filters."""

import datetime
import uuid

import pytest

from ledger.models import Entry, Posting
from ledger.selectors import account_balance
from ledger.services import entry_post, entry_reverse, ledger_seal, period_close
from tests.api.conftest import ENTRIES, manual_body, post_entry


def reverse_url(entry_id: int) -> str:
    return f"{ENTRIES}{entry_id}/reverse/"


# --- posting ----------------------------------------------------------------------


def test_a_treasurer_posts_a_manual_entry_in_major_units(treasurer, chart):
    response = post_entry(treasurer, manual_body(chart, amount="12.50", memo="Bank fee refund"))
    assert response.status_code == 201
    entry = response.json()
    assert entry["kind"] == "manual"
    assert entry["memo"] == "Bank fee refund"
    assert entry["date"] == "2026-11-20"
    assert entry["seal"] is None
    assert [(p["currency"], p["amount"]) for p in entry["postings"]] == [("EUR", "12.50"), ("EUR", "-12.50")]
    assert account_balance(account_id=chart.account("stripe_clearing").pk) == 1250


def test_the_entry_records_who_posted_it(treasurer, chart):
    entry = post_entry(treasurer, manual_body(chart)).json()
    assert Entry.objects.get(pk=entry["id"]).created_by_id == entry["created_by"] is not None


@pytest.mark.parametrize(("currency", "amount", "minor"), [("JPY", "1500", 1500), ("KWD", "1.234", 1234)])
def test_amounts_follow_the_currency_exponent(treasurer, chart, currency, amount, minor):
    clearing, income = chart.account("stripe_clearing", currency), chart.account("donations_income", currency)
    body = {
        "date": "2026-11-20",
        "postings": [
            {"account": clearing.pk, "fund": chart.general.pk, "amount": amount},
            {"account": income.pk, "fund": chart.general.pk, "amount": f"-{amount}"},
        ],
    }
    response = post_entry(treasurer, body)
    assert response.status_code == 201
    assert response.json()["postings"][0]["amount"] == amount
    assert account_balance(account_id=clearing.pk) == minor


def test_an_amount_finer_than_the_currency_allows_is_refused(treasurer, chart):
    response = post_entry(treasurer, manual_body(chart, amount="12.505"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_amount"
    assert Entry.objects.count() == 0


def test_a_stated_currency_must_be_the_accounts(treasurer, chart):
    body = manual_body(chart)
    for posting in body["postings"]:
        posting["currency"] = "USD"
    response = post_entry(treasurer, body)
    assert response.status_code == 422
    assert response.json()["code"] == "currency_mismatch"


def test_a_stated_currency_that_is_not_iso_4217_is_refused(treasurer, chart):
    body = manual_body(chart)
    body["postings"][0]["currency"] = "ZZZ"
    response = post_entry(treasurer, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_currency"


def test_an_unbalanced_entry_is_refused_and_writes_nothing(treasurer, chart):
    body = manual_body(chart)
    body["postings"][1]["amount"] = "-12.49"
    response = post_entry(treasurer, body)
    assert response.status_code == 422
    assert response.json()["code"] == "unbalanced"
    assert "sum to 0.01 EUR, not zero" in response.json()["detail"]  # the units the request spoke in
    assert Entry.objects.count() == Posting.objects.count() == 0


def test_an_unknown_account_or_fund_is_an_unknown_reference(treasurer, chart):
    body = manual_body(chart)
    body["postings"][0]["account"] = 999_999
    assert post_entry(treasurer, body).json()["code"] == "unknown_reference"
    body = manual_body(chart)
    for posting in body["postings"]:
        posting["fund"] = 999_999
    response = post_entry(treasurer, body)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_reference"
    assert Entry.objects.count() == 0


def test_an_entry_that_would_overdraw_a_floored_account_is_refused(treasurer, chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    body = manual_body(chart)
    body["postings"] = [
        {"account": income.pk, "fund": chart.general.pk, "amount": "5.00"},
        {"account": bank.pk, "fund": chart.general.pk, "amount": "-5.00"},
    ]
    response = post_entry(treasurer, body)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    assert Entry.objects.count() == 0


def test_an_entry_dated_in_a_closed_period_is_refused(treasurer, chart):
    period_close(start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2026, 10, 31))
    response = post_entry(treasurer, manual_body(chart, date="2026-10-15"))
    assert response.status_code == 409
    assert response.json()["code"] == "period_closed"
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"date": "20 November"}, "#/date"),
        ({"memo": "x" * 501}, "#/memo"),
        ({"postings": []}, "#/postings"),
        ({"postings": [{"account": 1, "fund": 1, "amount": "1.00"}]}, "#/postings"),
        ({"postings": [{"account": 1, "fund": 1, "amount": "1e3"}] * 2}, "#/postings/0/amount"),
        ({"postings": [{"account": "one", "fund": 1, "amount": "1"}] * 2}, "#/postings/0/account"),
    ],
)
def test_malformed_bodies_are_validation_problems_pointing_at_the_field(treasurer, chart, change, pointer):
    response = post_entry(treasurer, manual_body(chart, **change))
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert pointer in [error["pointer"] for error in problem["errors"]]


# --- idempotency ------------------------------------------------------------------


def test_the_idempotency_key_header_is_required(treasurer, chart):
    response = treasurer.post(ENTRIES, manual_body(chart), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"detail": "This header is required.", "code": "required", "header": "Idempotency-Key"}
    ]
    assert Entry.objects.count() == 0


def test_the_idempotency_key_must_be_a_uuid(treasurer, chart):
    response = post_entry(treasurer, manual_body(chart), key="order-42")
    assert response.status_code == 400
    assert response.json()["errors"][0]["header"] == "Idempotency-Key"


def test_replaying_a_key_with_the_same_body_returns_the_first_entry_and_writes_nothing(treasurer, chart):
    key = uuid.uuid4()
    first = post_entry(treasurer, manual_body(chart), key=key)
    again = post_entry(treasurer, manual_body(chart), key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Entry.objects.count() == 1
    assert account_balance(account_id=chart.account("stripe_clearing").pk) == 1250


def test_postings_in_another_order_are_the_same_request(treasurer, chart):
    key = uuid.uuid4()
    body = manual_body(chart)
    first = post_entry(treasurer, body, key=key)
    body["postings"].reverse()
    assert post_entry(treasurer, body, key=key).json()["id"] == first.json()["id"]


def test_reusing_a_key_for_another_body_is_a_conflict(treasurer, chart):
    key = uuid.uuid4()
    post_entry(treasurer, manual_body(chart, amount="12.50"), key=key)
    response = post_entry(treasurer, manual_body(chart, amount="12.51"), key=key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert Entry.objects.count() == 1


def test_another_treasurer_reusing_a_key_is_told_the_key_is_someone_elses(client_for, chart):
    key = uuid.uuid4()
    post_entry(client_for("treasurer"), manual_body(chart), key=key)
    response = post_entry(client_for("treasurer"), manual_body(chart), key=key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_foreign"


# --- reversal ---------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_and_links_both_ways(treasurer, chart):
    original = post_entry(treasurer, manual_body(chart)).json()
    response = post_entry(treasurer, {"date": "2026-11-21"}, url=reverse_url(original["id"]))
    assert response.status_code == 201
    reversal = response.json()
    assert reversal["kind"] == "reversal"
    assert reversal["reverses"] == original["id"]
    assert reversal["memo"] == f"Reversal of entry {original['id']}"
    assert sorted(p["amount"] for p in reversal["postings"]) == ["-12.50", "12.50"]
    assert treasurer.get(f"{ENTRIES}{original['id']}/").json()["reversed_by"] == reversal["id"]
    assert account_balance(account_id=chart.account("stripe_clearing").pk) == 0


def test_an_entry_can_be_reversed_once(treasurer, chart):
    original = post_entry(treasurer, manual_body(chart)).json()
    assert post_entry(treasurer, {}, url=reverse_url(original["id"])).status_code == 201
    response = post_entry(treasurer, {}, url=reverse_url(original["id"]))
    assert response.status_code == 409
    assert response.json()["code"] == "already_reversed"
    assert Entry.objects.count() == 2


def test_replaying_a_reversal_returns_it(treasurer, chart):
    original = post_entry(treasurer, manual_body(chart)).json()
    key = uuid.uuid4()
    first = post_entry(
        treasurer, {"date": "2026-11-21", "memo": "Duplicate"}, key=key, url=reverse_url(original["id"])
    )
    again = post_entry(
        treasurer, {"date": "2026-11-21", "memo": "Duplicate"}, key=key, url=reverse_url(original["id"])
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_reversing_a_missing_entry_is_not_found(treasurer, chart):
    response = post_entry(treasurer, {}, url=reverse_url(999_999))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_reversal_needs_an_idempotency_key(treasurer, chart, posted):
    entry = posted(chart.account("stripe_clearing"), chart.account("donations_income"), 100)
    response = treasurer.post(reverse_url(entry), {}, format="json")
    assert response.status_code == 400
    assert Entry.objects.count() == 1


# --- reading ----------------------------------------------------------------------


def test_an_entry_shows_its_seal_once_sealed(auditor, chart, posted):
    entry = posted(chart.account("stripe_clearing"), chart.account("donations_income"), 100)
    assert auditor.get(f"{ENTRIES}{entry}/").json()["seal"] is None
    head = ledger_seal()
    seal = auditor.get(f"{ENTRIES}{entry}/").json()["seal"]
    assert seal["seq"] == head.head_seq
    assert seal["hash"] == head.head_hash.hex()
    assert len(seal["prev_hash"]) == 64


def test_a_missing_entry_is_not_found(auditor, chart):
    response = auditor.get(f"{ENTRIES}999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_entries_come_newest_first_in_cursor_pages(auditor, chart, posted):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    ids = [posted(clearing, income, amount) for amount in range(1, 6)]
    seen, url = [], f"{ENTRIES}?page_size=2"
    while url:
        page = auditor.get(url).json()
        assert len(page["results"]) <= 2
        seen += [entry["id"] for entry in page["results"]]
        url = page["next"]
    assert seen == sorted(ids, reverse=True)


def test_a_cursor_survives_new_entries(auditor, chart, posted):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    ids = [posted(clearing, income, amount) for amount in range(1, 5)]
    first = auditor.get(f"{ENTRIES}?page_size=2").json()
    posted(clearing, income, 99)
    second = auditor.get(first["next"]).json()
    assert [e["id"] for e in second["results"]] == sorted(ids, reverse=True)[2:]


def test_listing_entries_takes_a_fixed_number_of_queries(
    auditor, chart, posted, django_assert_max_num_queries
):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for amount in range(1, 21):
        posted(clearing, income, amount)
    with django_assert_max_num_queries(6):
        assert len(auditor.get(ENTRIES).json()["results"]) == 20


@pytest.mark.parametrize("query", ["cursor=bm9wZQ", "cursor=cD1hYmM%3D"])
def test_a_forged_cursor_is_not_found(auditor, chart, query):
    response = auditor.get(f"{ENTRIES}?{query}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("size", ["0", "501", "ten", ""])
def test_a_bad_page_size_is_a_validation_problem(auditor, chart, size):
    response = auditor.get(f"{ENTRIES}?page_size={size}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "page_size"


@pytest.fixture
def journal(chart):
    """Four entries across accounts, funds, currencies, dates and kinds."""
    c = chart
    eur_clearing, eur_income = c.account("stripe_clearing"), c.account("donations_income")
    usd_clearing, usd_income = c.account("stripe_clearing", "USD"), c.account("donations_income", "USD")
    ids = {
        "eur_general": entry_post(c.transfer(eur_clearing, eur_income, 100, date=datetime.date(2026, 1, 10))),
        "eur_relief": entry_post(
            c.transfer(eur_clearing, eur_income, 200, fund=c.relief, date=datetime.date(2026, 2, 10))
        ),
        "usd_general": entry_post(c.transfer(usd_clearing, usd_income, 300, date=datetime.date(2026, 3, 10))),
    }
    ids = {name: posted.entry_id for name, posted in ids.items()}
    ids["reversal"] = entry_reverse_of(ids["eur_general"])
    return ids


def entry_reverse_of(entry_id: int) -> int:
    return entry_reverse(
        entry_id=entry_id, idempotency_key=uuid.uuid4(), date=datetime.date(2026, 4, 10)
    ).entry_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("currency=USD", {"usd_general"}),
        ("fund={relief}", {"eur_relief"}),
        ("account={usd_income}", {"usd_general"}),
        ("date_from=2026-02-01&date_to=2026-03-31", {"eur_relief", "usd_general"}),
        ("date_from=2026-03-11", {"reversal"}),
        ("kind=reversal", {"reversal"}),
        ("currency=EUR&fund={general}", {"eur_general", "reversal"}),
        ("currency=GBP", set()),
    ],
)
def test_entries_filter_by_account_fund_currency_dates_and_kind(auditor, chart, journal, query, expected):
    names = {entry_id: name for name, entry_id in journal.items()}
    query = query.format(
        relief=chart.relief.pk,
        general=chart.general.pk,
        usd_income=chart.account("donations_income", "USD").pk,
    )
    results = auditor.get(f"{ENTRIES}?{query}").json()["results"]
    assert {names[entry["id"]] for entry in results} == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("currency=eur", "currency"),
        ("currency=", "currency"),
        ("account=0", "account"),
        ("account=x", "account"),
        ("fund=-1", "fund"),
        ("date_from=yesterday", "date_from"),
        ("kind=gift", "kind"),
    ],
)
def test_invalid_filters_are_validation_problems_naming_the_parameter(auditor, chart, query, parameter):
    response = auditor.get(f"{ENTRIES}?{query}")
    assert response.status_code == 400
    assert [error["parameter"] for error in response.json()["errors"]] == [parameter]
