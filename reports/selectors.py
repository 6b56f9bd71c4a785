"""Public transparency figures: money paid out by period, place and category, and the feed of paid grants.

Pure reads. Only disbursements whose money went out and stayed out (status
`sent`; a failed one came back) count, and only once the period they fall in
has ended: figures that grew while a quarter was open would tell a reader who
looked every day when each grant was paid. SQL sums; the suppression rule
(reports/suppression.py) and the feed's coarsening run in Python.
"""

import base64
import datetime
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.crypto import salted_hmac

from payouts.api import Disbursement, DisbursementStatus
from reports.regions import region_of
from reports.suppression import Cell, Publication, quarters_publish, years_publish

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def threshold() -> int:
    """TRANSPARENCY_MIN_RECIPIENTS: the fewest recipients a published figure may describe."""
    return int(settings.TRANSPARENCY_MIN_RECIPIENTS)


def _today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _paid() -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(status=DisbursementStatus.SENT)


# --- aggregates -------------------------------------------------------------------


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    YEAR = "year"


def transparency_cells(*, before: datetime.date) -> list[Cell]:
    """Paid grants summed per quarter x country x category, for quarters starting before `before`.

    One query; a grant request has at most one sent disbursement (payouts'
    `disbursement_one_live_per_grant`), in one currency, so recipients per
    currency add up to the cell's recipients.
    """
    cutoff = datetime.datetime.combine(_quarter_start(before), datetime.time(), tzinfo=datetime.UTC)
    rows = (
        _paid()
        .filter(sent_at__lt=cutoff)
        .annotate(quarter=TruncQuarter("sent_at", output_field=DateField(), tzinfo=datetime.UTC))
        .values_list("quarter", "grant_request__country", "grant_request__category", "currency")
        .annotate(recipients=Count("grant_request_id", distinct=True), amount=Sum("amount"))
        .order_by()
    )
    recipients: dict[tuple[datetime.date, str, str], int] = defaultdict(int)
    amounts: dict[tuple[datetime.date, str, str], dict[str, int]] = defaultdict(dict)
    for quarter, country, category, currency, count, amount in rows:
        recipients[(quarter, country, category)] += count
        amounts[(quarter, country, category)][currency] = amount
    return [
        Cell(quarter=key[0], country=key[1], category=key[2], recipients=count, amounts=amounts[key])
        for key, count in recipients.items()
    ]


def transparency_grants(*, period: PeriodKind = PeriodKind.QUARTER) -> Publication:
    """Money paid out per ended quarter (or year, the sum of its ended quarters), suppressed."""
    quarters = quarters_publish(cells=transparency_cells(before=_today()), threshold=threshold())
    return quarters if period == PeriodKind.QUARTER else years_publish(quarters)


# --- the feed ---------------------------------------------------------------------


class Granularity(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class FeedItem:
    """One paid grant as the public sees it: no reference, country, date, fund or text of ours."""

    public_id: str
    category: str
    region: str
    amount: int
    currency: str
    granularity: Granularity
    period: str  # 2026-W48, 2026-11, 2026-Q4 or 2026
    published_on: datetime.date  # when its period settled: what the feed is ordered by


def feed_public_id(disbursement_id: int) -> str:
    """A stable public id that links to nothing without TRANSPARENCY_FEED_KEY.

    An HMAC of the disbursement's row id: not its reference or its grant's, both of
    which auditors and treasurers read beside the grant's country; no column stores
    it, so the link lives only in whoever holds the key.
    """
    secret = settings.TRANSPARENCY_FEED_KEY or settings.SECRET_KEY
    digest = salted_hmac("tadamun.reports.feed", str(disbursement_id), secret=secret, algorithm="sha256")
    return "PG-" + base64.b32encode(digest.digest()[:10]).decode()


def _bucket(granularity: Granularity, day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The period of `granularity` holding `day`: its first day, the day after it, and its label."""
    if granularity == Granularity.WEEK:
        start = day - day.weekday() * DAY
        iso = day.isocalendar()
        return start, start + WEEK, f"{iso.year}-W{iso.week:02d}"
    if granularity == Granularity.MONTH:
        start = day.replace(day=1)
        end = (start + 32 * DAY).replace(day=1)
        return start, end, f"{day.year}-{day.month:02d}"
    if granularity == Granularity.QUARTER:
        start = _quarter_start(day)
        end = (start + 100 * DAY).replace(day=1)
        return start, end, f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1), str(day.year)


def _settled(end: datetime.date) -> datetime.date:
    """When a period's grants appear: the Monday on or after its end.

    A month is shown only where its weeks were too small, which is known once the
    week holding its last day ends; waiting for that Monday lets every grant shown
    under one month appear at the same moment, so when it appeared tells nothing finer.
    """
    return end + ((7 - end.weekday()) % 7) * DAY


def transparency_feed(*, today: datetime.date | None = None) -> list[FeedItem]:
    """Paid grants whose period has settled, newest period first, then by public id.

    Each shows its coarse region and the finest of ISO week, month, quarter (or
    else the year) that at least TRANSPARENCY_MIN_RECIPIENTS paid grants of its
    region share; it appears only once that period has settled, and a grant whose
    week or month is still open waits. Within a period the order is the public id's:
    ordering by date would place a grant between others of finer periods. One query.
    """
    today = today or _today()
    least = threshold()
    paid = []
    for pk, category, country, amount, currency, sent_at in (
        _paid()
        .order_by()
        .values_list(
            "id", "grant_request__category", "grant_request__country", "amount", "currency", "sent_at"
        )
    ):
        assert sent_at is not None  # disbursement_sent_recorded
        paid.append(
            (pk, category, region_of(country), amount, currency, sent_at.astimezone(datetime.UTC).date())
        )
    counts: dict[tuple[str, Granularity, datetime.date], int] = defaultdict(int)
    for _pk, _category, region, _amount, _currency, day in paid:
        for granularity in Granularity:
            counts[(region, granularity, _bucket(granularity, day)[0])] += 1
    items = []
    for pk, category, region, amount, currency, day in paid:
        for granularity in Granularity:
            start, end, label = _bucket(granularity, day)
            if today < _settled(end):
                break
            if granularity == Granularity.YEAR or counts[(region, granularity, start)] >= least:
                items.append(
                    FeedItem(
                        public_id=feed_public_id(pk),
                        category=category,
                        region=region,
                        amount=amount,
                        currency=currency,
                        granularity=granularity,
                        period=label,
                        published_on=_settled(end),
                    )
                )
                break
    items.sort(key=lambda item: item.public_id)
    items.sort(key=lambda item: item.published_on, reverse=True)
    return items
