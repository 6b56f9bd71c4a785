"""The suppression rule over random sets of paid grants: no small group can be singled out.

The rule runs on what SQL sums (one cell per quarter x country x category), so
these tests build the cells from random grants themselves and need no database.

The privacy invariant, stated precisely. Let T be the threshold. For every
published period (a quarter, or a year):

1. the published rows partition the period's published grants: every grant of a
   quarter that is not withheld is in exactly one row of it, and a withheld
   quarter's grants are in no row at all;
2. every row holds at least T grants, and its amounts and recipients are exactly
   its grants' (so the rows add up to the period's totals, and the periods to the
   overall totals);
3. a row's label is true of every grant in it: a country row holds only grants of
   that country and category, a region row only grants of that region and category;
   a quarter's country row holds the whole quarter x country x category cell, so a
   country appears in a quarter only where at least T of its grants do.

Because of (1) and (2), any figure a reader can compute by adding and
subtracting published figures (rows, period totals, overall totals, and the
quarter view against the year view, whose rows are unions of quarter rows) is a
sum over a union of rows, so it describes 0 or at least T grants; by (3) the only
country it can name is one that at least T of them share. Hence a grant whose
quarter x country x category cell holds 1 to T-1 grants never has its country
recovered, from the totals or otherwise: `test_a_small_groups_country_is_never_named`
checks that conclusion directly as well.
"""

from collections import defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.regions import region_of
from reports.suppression import Cell, Level, Publication, quarters_publish, years_publish

# Few countries in few regions, so that groups collide, stay small and get merged.
COUNTRIES = ("KE", "UG", "TZ", "NG", "GH", "EG", "RU", "UA", "JM", "LB")
CATEGORIES = ("housing", "medical", "legal")
CURRENCIES = ("EUR", "USD", "JPY")
QUARTERS = (date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1))

grants = st.lists(
    st.tuples(
        st.sampled_from(QUARTERS),
        st.sampled_from(COUNTRIES),
        st.sampled_from(CATEGORIES),
        st.sampled_from(CURRENCIES),
        st.integers(min_value=1, max_value=10**7),
    ),
    max_size=120,
)
thresholds = st.integers(min_value=2, max_value=8)

Grant = tuple[date, str, str, str, int]


def cells_of(paid: list[Grant]) -> list[Cell]:
    """What the SQL in reports.selectors sums: recipients and amount per currency of each cell."""
    recipients: dict[tuple, int] = defaultdict(int)
    amounts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for quarter, country, category, currency, amount in paid:
        recipients[(quarter, country, category)] += 1
        amounts[(quarter, country, category)][currency] += amount
    return [Cell(*key, recipients=count, amounts=dict(amounts[key])) for key, count in recipients.items()]


def members(paid: list[Grant], cells: set) -> list[Grant]:
    return [grant for grant in paid if (grant[0], grant[1], grant[2]) in cells]


def amounts_of(paid: list[Grant]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for *_place, currency, amount in paid:
        total[currency] += amount
    return dict(total)


def check_publication(paid: list[Grant], publication: Publication, threshold: int, year: bool) -> None:
    for period in publication.periods:
        in_period = [
            grant
            for grant in paid
            if (grant[0].year == period.start.year if year else grant[0] == period.start)
        ]
        if year:
            withheld = set(period.withheld_quarters)
            in_period = [grant for grant in in_period if grant[0] not in withheld]
        seen: list[tuple] = []
        for row in period.rows:
            inside = members(paid, row.cells)
            # 2. at least T, and exactly its grants' figures
            assert row.recipients >= threshold
            assert row.recipients == len(inside)
            assert row.amounts == amounts_of(inside)
            # 3. the label is true of every grant in the row
            for _quarter, country, category, _currency, _amount in inside:
                if row.label.level == Level.COUNTRY:
                    assert (country, category) == (row.label.place, row.label.category)
                elif row.label.level == Level.REGION:
                    assert (region_of(country), category) == (row.label.place, row.label.category)
            if row.label.level == Level.COUNTRY and not year:
                (quarter,) = {cell[0] for cell in row.cells}
                whole_cell = [
                    g for g in paid if (g[0], g[1], g[2]) == (quarter, row.label.place, row.label.category)
                ]
                assert len(whole_cell) == row.recipients
            seen.extend(row.cells)
        # 1. a partition of the period's published grants
        assert len(seen) == len(set(seen))
        if period.withheld:
            assert period.rows == []
            assert not year or len(in_period) == 0
        else:
            assert sorted(members(paid, set(seen))) == sorted(in_period)
            assert period.recipients == len(in_period)
            assert period.amounts == {c: a for c, a in sorted(amounts_of(in_period).items())}
    assert publication.recipients == sum(p.recipients for p in publication.periods)
    overall: dict[str, int] = defaultdict(int)
    for period in publication.periods:
        for currency, amount in period.amounts.items():
            overall[currency] += amount
    assert publication.amounts == dict(sorted(overall.items()))


@settings(max_examples=300, deadline=None)
@given(paid=grants, threshold=thresholds)
def test_quarters_publish_only_rows_of_at_least_the_threshold_that_partition_and_add_up(paid, threshold):
    publication = quarters_publish(cells=cells_of(paid), threshold=threshold)
    check_publication(paid, publication, threshold, year=False)
    for period in publication.periods:
        quarter_grants = [grant for grant in paid if grant[0] == period.start]
        assert period.withheld == (len(quarter_grants) < threshold)


@settings(max_examples=300, deadline=None)
@given(paid=grants, threshold=thresholds)
def test_years_are_unions_of_their_quarters_rows_and_keep_every_invariant(paid, threshold):
    quarters = quarters_publish(cells=cells_of(paid), threshold=threshold)
    years = years_publish(quarters)
    check_publication(paid, years, threshold, year=True)
    quarter_rows = [frozenset(row.cells) for period in quarters.periods for row in period.rows]
    for period in years.periods:
        for row in period.rows:
            # Each year row is exactly a union of whole quarter rows: no new split to subtract.
            parts = [cells for cells in quarter_rows if cells & row.cells]
            assert all(cells <= row.cells for cells in parts)
            assert frozenset().union(*parts) == row.cells


@settings(max_examples=300, deadline=None)
@given(paid=grants, threshold=thresholds)
def test_a_small_groups_country_is_never_named(paid, threshold):
    """Whatever the rows and totals, a grant in a cell of 1..T-1 grants is in no row naming its country."""
    quarters = quarters_publish(cells=cells_of(paid), threshold=threshold)
    size: dict[tuple, int] = defaultdict(int)
    for quarter, country, category, *_money in paid:
        size[(quarter, country, category)] += 1
    for publication in (quarters, years_publish(quarters)):
        for period in publication.periods:
            for row in period.rows:
                if row.label.level == Level.COUNTRY:
                    assert all(size[cell] >= threshold for cell in row.cells)


def test_a_lone_grant_among_a_large_country_is_merged_into_its_region_then_other():
    quarter = QUARTERS[0]
    paid = [(quarter, "KE", "housing", "EUR", 100)] * 5 + [(quarter, "UG", "housing", "EUR", 7)]
    (period,) = quarters_publish(cells=cells_of(paid), threshold=5).periods
    # KE alone would be 5 and UG's region row 1: "other" takes UG and, to reach 5, KE's row too.
    assert [(row.label.level, row.recipients, row.amounts) for row in period.rows] == [
        (Level.OTHER, 6, {"EUR": 507})
    ]


def test_small_countries_of_one_region_are_published_under_the_region():
    quarter = QUARTERS[0]
    paid = (
        [(quarter, "KE", "medical", "EUR", 10)] * 3
        + [(quarter, "UG", "medical", "USD", 20)] * 2
        + [(quarter, "NG", "legal", "EUR", 5)] * 6
    )
    (period,) = quarters_publish(cells=cells_of(paid), threshold=5).periods
    assert [
        (row.label.level, row.label.place, row.label.category, row.recipients) for row in period.rows
    ] == [
        (Level.COUNTRY, "NG", "legal", 6),
        (Level.REGION, "014", "medical", 5),
    ]
    assert (period.recipients, period.amounts) == (11, {"EUR": 60, "USD": 40})
