"""Background work of the ledger: the periodic sealer."""

from celery import shared_task

from ledger.services import ledger_seal


@shared_task
def ledger_seal_task() -> int:
    """Seal what has committed since the last run; skip if another sealer is busy."""
    return ledger_seal(wait=False).sealed
