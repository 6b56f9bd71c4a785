"""Demo disbursements for local runs (seed_demo): grants paid through payouts, one awaiting approval."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings

from payouts.models import Rail
from payouts.services import disbursement_propose, disbursement_send

DEMO_NAMESPACE = uuid.UUID("5d2f8e0a-93c4-4b7e-a1d6-0c8b7f3e2a91")
# The demo's grants are tens of euros, far below PAYOUTS_SECOND_APPROVAL_ABOVE's default: its
# payouts are proposed under EUR/GBP/USD 40.00, so that one above it waits for a second treasurer.
DEMO_SECOND_APPROVAL_ABOVE = {"EUR": 4_000, "GBP": 4_000, "USD": 4_000}


@contextmanager
def demo_thresholds() -> Iterator[None]:
    with override_settings(PAYOUTS_SECOND_APPROVAL_ABOVE=DEMO_SECOND_APPROVAL_ABOVE):
        yield


def _key(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


def demo_payer(*, treasurer: Any) -> Callable[[str], None]:
    """pay(grant reference): the treasurer proposes and sends the whole grant by bank transfer."""

    def pay(reference: str) -> None:
        with demo_thresholds():
            disbursement, _new = disbursement_propose(
                grant_reference=reference,
                rail=Rail.BANK_TRANSFER,
                proposed_by=treasurer,
                idempotency_key=_key(f"propose:{reference}"),
            )
            disbursement_send(
                reference=disbursement.reference,
                sent_by=treasurer,
                rail_reference=f"DEMO-BANK-{disbursement.reference[-6:]}",
                idempotency_key=_key(f"send:{reference}"),
            )

    return pay


def payouts_demo_propose(*, grant_reference: str, treasurer: Any) -> None:
    """A proposal above the demo threshold, left for the second treasurer to approve."""
    with demo_thresholds():
        disbursement_propose(
            grant_reference=grant_reference,
            rail=Rail.MOBILE_MONEY,
            proposed_by=treasurer,
            idempotency_key=_key(f"propose:{grant_reference}"),
        )
