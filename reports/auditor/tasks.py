"""Background work of the auditor pack: render one requested pack."""

import uuid

from celery import shared_task

from reports.auditor.services import auditor_pack_render


@shared_task
def auditor_pack_render_task(run_id: str) -> str:
    """Render one queued pack (queued when its request commits); returns the run's status."""
    return auditor_pack_render(run_id=uuid.UUID(run_id)).status
