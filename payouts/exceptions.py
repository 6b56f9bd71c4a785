"""Domain errors of the payouts app, each with a stable code (api/exceptions.py maps codes to statuses).

Messages never quote a rail reference or anything about a requester.
"""

from core.errors import DomainError


class PayoutsError(DomainError):
    """Base class; `code` is stable and shown to API clients."""

    code = "payouts_error"


class InvalidPayoutInput(PayoutsError):
    """The request is not a valid payout operation."""

    code = "validation_error"


class DisbursementNotFound(PayoutsError):
    """No disbursement with that reference."""

    code = "not_found"


class NotATreasurer(PayoutsError):
    """Only treasurers propose, approve, send, fail and cancel disbursements."""

    code = "not_a_treasurer"


class InvalidDisbursementTransition(PayoutsError):
    """The disbursement's status does not allow this."""

    code = "invalid_transition"


class GrantNotPayable(PayoutsError):
    """Only an approved grant request is paid, once."""

    code = "grant_not_payable"


class DisbursementExists(PayoutsError):
    """The grant request already has a disbursement under way or sent; cancel it first."""

    code = "disbursement_exists"


class AmountNotApproved(PayoutsError):
    """A disbursement pays the grant's whole approved amount, in its currency."""

    code = "amount_not_approved"


class OwnProposal(PayoutsError):
    """Nobody approves their own proposal: a second, distinct treasurer must."""

    code = "own_proposal"


class OwnGrant(PayoutsError):
    """Nobody proposes, approves or sends a payout to themselves."""

    code = "own_grant"


class AlreadyApproved(PayoutsError):
    """This treasurer has already approved this disbursement."""

    code = "already_approved"


class SecondApprovalRequired(PayoutsError):
    """Above the threshold a second, distinct treasurer must approve before the money is sent."""

    code = "second_approval_required"


class FundOverdrawn(PayoutsError):
    """The fund's bank balance in this currency does not cover the payout; nothing was written."""

    code = "fund_overdrawn"


class PayoutIdempotencyConflict(PayoutsError):
    """The Idempotency-Key was used for another payout operation."""

    code = "idempotency_conflict"


class PayoutIdempotencyKeyForeign(PayoutIdempotencyConflict):
    """The Idempotency-Key was used by another user; choose a fresh key."""

    code = "idempotency_key_foreign"


class PayoutLimitReached(PayoutsError):
    """Sending this would pass a daily payout limit (the organisation's or the fund's); try tomorrow."""

    code = "payout_limit_reached"
