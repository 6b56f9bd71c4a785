"""The suppression rule of public figures: small groups of recipients are merged until none stands alone.

Pure functions over aggregated cells (one per quarter x country x category),
so the rule is tested on its own (tests/reports/test_suppression_properties.py)
and the selectors only feed it what SQL summed.

For each quarter, with T the threshold:

1. a cell with at least T recipients is published as it is, under its country;
2. the other cells are merged into their coarse region (same category); a region
   cell with at least T recipients is published under the region;
3. what is still small goes into the quarter's one "other" row (no country,
   region or category); if that row is non-empty but below T, the smallest
   published row joins it, so it reaches T;
4. a quarter with fewer than T recipients in all is withheld: no rows, no amounts.

A year is its quarters' published rows added up by label (withheld quarters
add nothing), never a fresh grouping of its grants: a fresh grouping could
publish a country for a year whose quarters hid it, and subtracting the
quarters from the year would then give that small group away.

So the published rows of a period partition its published recipients, each row
holds at least T, and every figure anyone can get by adding or subtracting
published figures is the sum of a union of rows: at least T recipients.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from reports.regions import region_of


class Level(StrEnum):
    """How precisely a row is placed."""

    COUNTRY = "country"
    REGION = "region"
    OTHER = "other"


@dataclass(frozen=True, order=True)
class Label:
    """Where a row's money went: a country and category, a region and category, or "other"."""

    level: Level
    place: str = ""  # ISO 3166-1 alpha-2 country or M49 region code; empty for "other"
    category: str = ""  # empty for "other"


@dataclass(frozen=True)
class Cell:
    """Paid grants of one quarter, country and category, as summed in SQL."""

    quarter: date  # the quarter's first day
    country: str
    category: str
    recipients: int
    amounts: Mapping[str, int]  # currency -> minor units


@dataclass
class Row:
    """One published row. `cells` says which (quarter, country, category) it holds; never published."""

    label: Label
    recipients: int = 0
    amounts: dict[str, int] = field(default_factory=dict)
    cells: set[tuple[date, str, str]] = field(default_factory=set)

    def absorb(self, other: "Row | Cell") -> None:
        self.recipients += other.recipients
        for currency, minor in other.amounts.items():
            self.amounts[currency] = self.amounts.get(currency, 0) + minor
        if isinstance(other, Row):
            self.cells |= other.cells
        else:
            self.cells.add((other.quarter, other.country, other.category))


@dataclass
class Period:
    """A quarter or a year as published: its rows and their totals, or withheld as too small."""

    start: date
    rows: list[Row]
    withheld: bool = False
    # For a year: its quarters that were withheld, whose recipients its figures leave out.
    withheld_quarters: list[date] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return sum(row.recipients for row in self.rows)

    @property
    def amounts(self) -> dict[str, int]:
        return _sum_amounts(self.rows)


@dataclass
class Publication:
    """Every published period, newest first, and the totals of them all."""

    periods: list[Period]
    threshold: int

    @property
    def recipients(self) -> int:
        return sum(period.recipients for period in self.periods)

    @property
    def amounts(self) -> dict[str, int]:
        return _sum_amounts(row for period in self.periods for row in period.rows)


def _sum_amounts(rows: Iterable[Row]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for currency, minor in row.amounts.items():
            total[currency] += minor
    return dict(sorted(total.items()))


def _size_order(row: Row) -> tuple[int, Label]:
    return (row.recipients, row.label)


def quarter_publish(*, quarter: date, cells: Iterable[Cell], threshold: int) -> Period:
    """One quarter's published rows under the rule in this module's docstring."""
    cells = list(cells)
    if sum(cell.recipients for cell in cells) < threshold:
        return Period(start=quarter, rows=[], withheld=True)
    published: list[Row] = []
    by_region: dict[Label, Row] = {}
    for cell in cells:
        if cell.recipients >= threshold:
            row = Row(Label(Level.COUNTRY, cell.country, cell.category))
            row.absorb(cell)
            published.append(row)
        else:
            label = Label(Level.REGION, region_of(cell.country), cell.category)
            by_region.setdefault(label, Row(label)).absorb(cell)
    other = Row(Label(Level.OTHER))
    for row in by_region.values():
        if row.recipients >= threshold:
            published.append(row)
        else:
            other.absorb(row)
    if 0 < other.recipients < threshold:
        # Every published row holds at least T, so folding in the smallest one is enough.
        published.sort(key=_size_order)
        other.absorb(published.pop(0))
    if other.recipients:
        published.append(other)
    return Period(start=quarter, rows=sorted(published, key=lambda row: row.label))


def quarters_publish(*, cells: Iterable[Cell], threshold: int) -> Publication:
    """Every quarter that has paid grants, newest first."""
    by_quarter: dict[date, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_quarter[cell.quarter].append(cell)
    return Publication(
        periods=[
            quarter_publish(quarter=quarter, cells=by_quarter[quarter], threshold=threshold)
            for quarter in sorted(by_quarter, reverse=True)
        ],
        threshold=threshold,
    )


def years_publish(quarters: Publication) -> Publication:
    """Years as the sum of their quarters' published rows, label by label (see the module docstring)."""
    years: dict[date, Period] = {}
    for quarter in quarters.periods:
        start = date(quarter.start.year, 1, 1)
        year = years.setdefault(start, Period(start=start, rows=[]))
        if quarter.withheld:
            year.withheld_quarters.append(quarter.start)
            continue
        rows = {row.label: row for row in year.rows}
        for row in quarter.rows:
            rows.setdefault(row.label, Row(row.label)).absorb(row)
        year.rows = sorted(rows.values(), key=lambda row: row.label)
    for year in years.values():
        year.withheld = not year.rows
        year.withheld_quarters.sort()
    return Publication(
        periods=[years[start] for start in sorted(years, reverse=True)], threshold=quarters.threshold
    )
