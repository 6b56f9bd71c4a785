"""Requesting an auditor pack and rendering it in the background: each state change one transaction."""

import datetime
import logging
import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ledger import api as ledger
from reports.auditor.csv_export import pack_csv_sections, pack_csv_zip
from reports.auditor.exceptions import InvalidPeriod, UnknownFund, UnsupportedLanguage
from reports.auditor.labels import PACK_LANGUAGES
from reports.auditor.models import ReportKind, ReportRun, ReportStatus
from reports.auditor.rendering import pack_pdf
from reports.auditor.selectors import auditor_pack_read
from users.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def auditor_pack_request(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    fund_id: int | None,
    language: str,
    requested_by: User,
) -> ReportRun:
    """Queue an auditor pack of the period (optionally of one fund); it renders after commit."""
    if date_from > date_to:
        raise InvalidPeriod()
    if language not in PACK_LANGUAGES:
        raise UnsupportedLanguage()
    if fund_id is not None and not ledger.fund_list().filter(pk=fund_id).exists():
        raise UnknownFund()
    run = ReportRun.objects.create(
        kind=ReportKind.AUDITOR_PACK,
        date_from=date_from,
        date_to=date_to,
        fund_id=fund_id,
        language=language,
        requested_by=requested_by,
    )
    from reports.auditor.tasks import auditor_pack_render_task

    transaction.on_commit(lambda: auditor_pack_render_task.delay(str(run.id)))
    return run


@transaction.atomic
def report_run_start(*, run_id: uuid.UUID) -> ReportRun | None:
    """Mark a queued run running, under its row lock; None if another worker took it or it is over."""
    run = ReportRun.objects.select_for_update().filter(pk=run_id, status=ReportStatus.QUEUED).first()
    if run is None:
        return None
    run.status, run.started_at = ReportStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    return run


@transaction.atomic
def report_run_finish(*, run_id: uuid.UUID, pdf: bytes, csv_zip: bytes, chain_seq: int) -> ReportRun:
    run = ReportRun.objects.select_for_update().get(pk=run_id, status=ReportStatus.RUNNING)
    run.status, run.finished_at = ReportStatus.DONE, timezone.now()
    run.pdf, run.csv_zip, run.chain_seq = pdf, csv_zip, chain_seq
    run.save(update_fields=["status", "finished_at", "pdf", "csv_zip", "chain_seq"])
    return run


@transaction.atomic
def report_run_fail(*, run_id: uuid.UUID, error_class: str) -> ReportRun:
    run = ReportRun.objects.select_for_update().get(pk=run_id, status=ReportStatus.RUNNING)
    run.status, run.finished_at, run.error_class = ReportStatus.FAILED, timezone.now(), error_class[:100]
    run.save(update_fields=["status", "finished_at", "error_class"])
    return run


def auditor_pack_render(*, run_id: uuid.UUID) -> ReportRun:
    """Render a queued pack: seal what is committed, read the books in one snapshot, print PDF and CSV.

    A failure is stored on the run with its error's class name and logged; it is not
    raised, so a task run in process does not fail the request that queued it.
    """
    run = report_run_start(run_id=run_id)
    if run is None:
        return ReportRun.objects.get(pk=run_id)
    try:
        ledger.ledger_seal()
        generated_at = timezone.now()
        pack = auditor_pack_read(date_from=run.date_from, date_to=run.date_to, fund_id=run.fund_id)
        pdf = pack_pdf(pack, run.language, generated_at)
        csv_zip = pack_csv_zip(pack_csv_sections(pack, generated_at))
    except Exception as error:
        # The pack holds nothing identifying, so neither can the traceback.
        logger.exception("auditor pack %s failed", run.pk)
        return report_run_fail(run_id=run.pk, error_class=type(error).__name__)
    return report_run_finish(run_id=run.pk, pdf=pdf, csv_zip=csv_zip, chain_seq=pack.chain_seq)


def report_runs_recover(*, stale_after: datetime.timedelta) -> list[uuid.UUID]:
    """Queue again the runs a lost task message or a dead worker left behind; their ids.

    A run still `queued` past `stale_after` lost its message (the broker restarted);
    one `running` that long lost its worker (renders take seconds). Each goes back to
    `queued` and is rendered again; a run another worker holds right now is skipped.
    """
    cutoff = timezone.now() - stale_after
    with transaction.atomic():
        stuck = list(
            ReportRun.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=ReportStatus.QUEUED, created_at__lt=cutoff)
                | Q(status=ReportStatus.RUNNING, started_at__lt=cutoff)
            )
            .only("id", "status")
        )
        restarted = [run.pk for run in stuck if run.status == ReportStatus.RUNNING]
        ReportRun.objects.filter(pk__in=restarted).update(status=ReportStatus.QUEUED, started_at=None)
    if restarted:
        logger.warning("auditor packs %s had lost their worker; queued again", ", ".join(map(str, restarted)))
    from reports.auditor.tasks import auditor_pack_render_task

    for run in stuck:
        auditor_pack_render_task.delay(str(run.pk))
    return [run.pk for run in stuck]
