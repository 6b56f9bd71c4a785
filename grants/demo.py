"""Demo grant requests in every status over two funds, for local runs (called by seed_demo)."""

from collections.abc import Callable
from typing import Any

from grants import services
from grants.models import GrantRequest
from grants.workflow import Status

# (fund code, category, country, amount in minor units of the fund's currency, the status to bring it to)
DEMO_REQUESTS = (
    ("rent-relief", "housing", "KE", 4_000, Status.DRAFT),
    ("rent-relief", "housing", "UG", 3_500, Status.SUBMITTED),
    ("rent-relief", "food", "NG", 2_000, Status.IN_REVIEW),
    ("rent-relief", "housing", "GH", 4_500, Status.APPROVED),
    ("rent-relief", "safety_relocation", "JM", 5_000, Status.DECLINED),
    ("rent-relief", "housing", "KE", 3_000, Status.APPEALED),
    ("trans-healthcare", "medical", "TR", 2_500, Status.WITHDRAWN),
    ("trans-healthcare", "medical", "EG", 2_000, Status.PAID),
    ("trans-healthcare", "legal", "RU", 1_500, Status.CLOSED),
)


def grants_demo_seed(
    *,
    fund_ids: dict[str, int],
    requester: Any,
    reviewers: list[Any],
    admin: Any,
    pay: Callable[[str], None] | None = None,
) -> list[str]:
    """Open two funds for grants, walk one request to each status, shred the closed one; once only.

    `pay(reference)` pays an approved request (payouts posts the payment and marks
    it paid); without it, requests are only marked paid. Returns the references of
    the requests left approved, for payouts to propose; none on a second run.
    """
    if GrantRequest.objects.exists():
        return []
    approved = []
    services.grant_fund_rules_set(
        fund_id=fund_ids["rent-relief"], currency="EUR", max_per_request=5_000, caps={"housing": 20_000}
    )
    services.grant_fund_rules_set(fund_id=fund_ids["trans-healthcare"], currency="GBP", max_per_request=3_000)
    currency = {"rent-relief": "EUR", "trans-healthcare": "GBP"}
    first, second = reviewers
    for fund, category, country, amount, target in DEMO_REQUESTS:
        request = services.grant_request_create(
            requester=requester,
            fund_id=fund_ids[fund],
            category=category,
            country=country,
            currency=currency[fund],
            amount=amount,
            submit=target != Status.DRAFT,
            identity={
                "narrative": f"Demo request ({category}): no real person.",
                "contact_channel": "signal",
            },
        )
        ref = request.reference
        if target in (Status.DRAFT, Status.SUBMITTED):
            continue
        if target == Status.WITHDRAWN:
            services.grant_request_withdraw(reference=ref, requester=requester)
            continue
        services.reviewer_assign(reference=ref, reviewer=first, assigned_by=admin)
        if target == Status.IN_REVIEW:
            continue
        if target in (Status.DECLINED, Status.APPEALED):
            services.grant_request_decline(reference=ref, reviewer=first, reason="incomplete")
            if target == Status.APPEALED:
                services.grant_request_appeal(reference=ref, requester=requester)
                services.reviewer_assign(reference=ref, reviewer=second, assigned_by=admin)
            continue
        services.grant_request_approve(reference=ref, reviewer=first, amount=amount)
        if target == Status.APPROVED:
            approved.append(ref)
        if target in (Status.PAID, Status.CLOSED):
            if pay is None:
                services.grant_request_mark_paid(reference=ref)
            else:
                pay(ref)
        if target == Status.CLOSED:
            services.grant_request_close(reference=ref)
            # Shredded at once, to show a request whose identifying data reads "erased".
            services.grant_request_shred(reference=ref, by_id=admin.pk)
    return approved
