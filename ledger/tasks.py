"""Background work of the ledger: the periodic sealer and balance checkpoint."""

from celery import shared_task

from ledger.services import ledger_upkeep


@shared_task
def ledger_seal_task() -> int:
    """Seal what has committed since the last run (skip if another sealer is busy); checkpoint balances."""
    return ledger_upkeep().sealed
