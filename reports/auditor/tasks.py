"""Background work of the auditor pack: render one requested pack; recover the ones left behind."""

import datetime
import uuid

from celery import shared_task
from django.conf import settings

from reports.auditor.services import auditor_pack_render, report_runs_recover


@shared_task
def auditor_pack_render_task(run_id: str) -> str:
    """Render one queued pack (queued when its request commits); returns the run's status."""
    return auditor_pack_render(run_id=uuid.UUID(run_id)).status


@shared_task
def report_runs_recover_task() -> int:
    """Queue again the packs stuck for REPORT_RUN_STALE_MINUTES (beat); returns how many."""
    stale = datetime.timedelta(minutes=settings.REPORT_RUN_STALE_MINUTES)
    return len(report_runs_recover(stale_after=stale))
