"""Periodic grants work: crypto-shred what the retention period no longer lets us keep."""

from celery import shared_task

from grants.services import grant_requests_shred_expired


@shared_task
def grants_shred_expired_task() -> int:
    return grant_requests_shred_expired()
