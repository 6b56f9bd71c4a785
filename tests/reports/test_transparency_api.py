"""The public transparency endpoints, through the API, with grants paid by the real services.

Each grant is applied for, approved, proposed and sent through the grants and payouts
services (a few tenths of a second each), so these tests keep groups small with a
threshold of 3; the property tests (test_suppression_properties.py) cover the rule over
many grants without the database. Payouts are dated back into ended periods, since
nothing of an open period is published.
"""

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from grants.models import GrantRequest
from payouts.api import disbursement_fail
from reports.selectors import feed_public_id
from tests.reports.conftest import FEED, GRANTS, THRESHOLD

pytestmark = pytest.mark.django_db


def grants(period: str = "quarter") -> dict:
    response = APIClient().get(GRANTS, {"period": period})
    assert response.status_code == 200, response.content
    return response.json()


def feed() -> list[dict]:
    response = APIClient().get(FEED)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def places(period: dict) -> list[tuple]:
    return [
        (row["level"], row["country"], (row["region"] or {}).get("code"), row["category"], row["recipients"])
        for row in period["rows"]
    ]


def test_a_single_grant_in_a_country_alone_is_never_visible_with_its_country(paid):
    for _ in range(THRESHOLD):
        paid("NG", "legal", 2_000)
    for _ in range(THRESHOLD):
        paid("KE", "housing", 1_000)
    alone = paid("UG", "housing", 700)

    answer = grants()
    (quarter,) = answer["periods"]
    # UG's region row (Eastern Africa, housing) would hold 1, so it goes to "other", which then
    # takes the smallest row (KE's, before NG's on a tie) to reach the threshold.
    assert quarter["period"] == "2026-Q3"
    assert places(quarter) == [
        ("country", "NG", "011", "legal", 3),
        ("other", None, None, None, 4),
    ]
    assert quarter["rows"][1]["amounts"] == [{"amount": "37.00", "currency": "EUR"}]
    assert (quarter["recipients"], quarter["amounts"]) == (7, [{"amount": "97.00", "currency": "EUR"}])
    assert answer["totals"] == {"recipients": 7, "amounts": [{"amount": "97.00", "currency": "EUR"}]}
    assert answer["threshold"] == THRESHOLD
    yearly = grants("year")
    assert [period["period"] for period in yearly["periods"]] == ["2026"]
    assert places(yearly["periods"][0]) == places(quarter)

    request = GrantRequest.objects.get(pk=alone.grant_request_id)
    for body in (APIClient().get(GRANTS).content, APIClient().get(FEED).content):
        text = body.decode()
        assert '"UG"' not in text and '"KE"' not in text
        assert request.reference not in text and alone.reference not in text


def test_totals_are_the_sums_of_the_published_rows_per_currency(paid):
    for _ in range(THRESHOLD):
        paid("NG", "legal", 2_000)
    paid("GH", "medical", 500)
    paid("SN", "medical", 500)
    paid("KE", "medical", 300)
    answer = grants()
    (quarter,) = answer["periods"]
    # Western Africa's medical row (GH, SN) and Eastern Africa's (KE) are too small: "other" holds all three.
    assert places(quarter) == [("country", "NG", "011", "legal", 3), ("other", None, None, None, 3)]
    assert quarter["rows"][1]["amounts"] == [{"amount": "13.00", "currency": "EUR"}]
    assert answer["totals"]["recipients"] == sum(row["recipients"] for row in quarter["rows"]) == 6
    assert answer["totals"]["amounts"] == [{"amount": "73.00", "currency": "EUR"}]


def test_a_quarter_with_fewer_recipients_than_the_threshold_is_withheld(paid):
    paid("KE", "housing", 1_000, on="2026-02-10")
    period = grants()["periods"][0]
    assert period == {
        "period": "2026-Q1",
        "withheld": True,
        "recipients": None,
        "amounts": [],
        "withheld_quarters": [],
        "rows": [],
    }
    assert grants()["totals"] == {"recipients": 0, "amounts": []}
    year = grants("year")["periods"][0]
    assert (year["withheld"], year["withheld_quarters"]) == (True, ["2026-Q1"])


def test_nothing_of_a_period_still_open_is_published(paid):
    for _ in range(THRESHOLD):
        paid("KE", "housing", 1_000, on="2026-11-02")
    this_week = [paid("UG", "food", 1_000, on="2026-11-30") for _ in range(THRESHOLD)]
    # The fourth quarter is open: no figures for it. Its ended week 45 is in the feed; this week is not.
    assert grants()["periods"] == []
    assert [item["period"] for item in feed()] == ["2026-W45"] * THRESHOLD
    assert not {feed_public_id(d.pk) for d in this_week} & {item["id"] for item in feed()}


def test_failed_payouts_vanish_from_the_figures_and_the_feed(paid, person):
    sent = [paid("KE", "housing", 1_000, on=f"2026-09-0{day}") for day in (1, 2, 3)]
    assert grants()["periods"][0]["recipients"] == THRESHOLD
    assert len(feed()) == THRESHOLD
    disbursement_fail(
        reference=sent[0].reference,
        failed_by=person("treasurer"),
        reason="returned",
        idempotency_key=uuid.uuid4(),
    )
    assert grants()["periods"][0]["withheld"] is True
    assert feed_public_id(sent[0].pk) not in {item["id"] for item in feed()}


def test_the_feed_shows_the_week_only_where_enough_grants_of_the_region_share_it(paid):
    week = [paid("KE", "housing", 1_000, on=day) for day in ("2026-09-01", "2026-09-02", "2026-09-03")]
    quiet_week = paid("UG", "food", 1_200, on="2026-09-15")  # alone that week, not that month
    quiet_month = paid("TZ", "medical", 900, on="2026-07-10")  # alone that month, not that quarter
    lone_region = paid("NG", "legal", 500, on="2026-07-10")  # alone in its region all year: waits

    items = {item["id"]: item for item in feed()}
    assert set(items) == {feed_public_id(d.pk) for d in [*week, quiet_week, quiet_month]}
    assert feed_public_id(lone_region.pk) not in items
    first = items[feed_public_id(week[0].pk)]
    assert first == {
        "id": feed_public_id(week[0].pk),
        "category": "housing",
        "region": {"code": "014", "name": "Eastern Africa"},
        "amount": "10.00",
        "currency": "EUR",
        "granularity": "week",
        "period": "2026-W36",
    }
    assert (
        items[feed_public_id(quiet_week.pk)]["granularity"],
        items[feed_public_id(quiet_week.pk)]["period"],
    ) == (
        "month",
        "2026-09",
    )
    assert items[feed_public_id(quiet_month.pk)]["period"] == "2026-Q3"
    # Newest period first: September and the third quarter both settled on Monday 5 October.
    order = [item["period"] for item in feed()]
    assert sorted(order[:2]) == ["2026-09", "2026-Q3"] and order[2:] == ["2026-W36"] * 3


def test_the_feed_id_is_stable_and_neither_reference(paid):
    sent = [paid("KE", "housing", 1_000, on="2026-09-02") for _ in range(THRESHOLD)]
    ids = {item["id"] for item in feed()}
    assert ids == {item["id"] for item in feed()}
    for disbursement in sent:
        request = GrantRequest.objects.get(pk=disbursement.grant_request_id)
        assert feed_public_id(disbursement.pk) in ids
        assert not ids & {disbursement.reference, request.reference}


def test_the_feed_id_depends_on_the_key(settings):
    settings.TRANSPARENCY_FEED_KEY = "one key"
    first = feed_public_id(1)
    settings.TRANSPARENCY_FEED_KEY = "another key"
    assert feed_public_id(1) != first
    assert first.startswith("PG-") and len(first) == 19


def test_an_unknown_period_is_a_problem(db):
    response = APIClient().get(GRANTS, {"period": "week"})
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert response["Content-Type"] == "application/problem+json"


def test_anyone_reads_the_figures_without_signing_in_and_is_throttled(db):
    assert ScopedRateThrottle.THROTTLE_RATES["transparency"] == "60/minute"
    client = APIClient()
    answers = [client.get(GRANTS if n % 2 else FEED) for n in range(61)]
    assert [a.status_code for a in answers[:60]] == [200] * 60
    assert (answers[60].status_code, answers[60].json()["code"]) == (429, "throttled")
    assert "Retry-After" in answers[60]
