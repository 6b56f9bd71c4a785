"""Domain errors of pledges and the Stripe intake, each with a stable `code` the API maps to a status."""

from core.errors import DomainError


class PledgesError(DomainError):
    """Base class of the pledges app's errors; `code` is stable and shown to API clients."""

    code = "pledges_error"


class InvalidPledge(PledgesError):
    """The pledge is not valid."""

    code = "invalid_pledge"


class AmountAboveMaximum(InvalidPledge):
    """The amount is above the largest pledge accepted."""

    code = "amount_above_maximum"


class CampaignNotFound(PledgesError):
    """No such campaign."""

    code = "not_found"


class PledgeNotFound(PledgesError):
    """No such pledge."""

    code = "not_found"


class CampaignExists(PledgesError):
    """A campaign with this slug already exists."""

    code = "campaign_exists"


class CampaignClosed(PledgesError):
    """The campaign does not take pledges now (not started yet, or ended)."""

    code = "campaign_closed"


class PledgeNotCancellable(PledgesError):
    """Only an active or pending monthly pledge can be cancelled."""

    code = "pledge_not_cancellable"


class MonthlyPledgeRunning(PledgesError):
    """A monthly pledge still runs: cancel it before closing the account that could stop it."""

    code = "monthly_pledge_running"


class ContributionNotFound(PledgesError):
    """No such contribution."""

    code = "not_found"


class RefundNotPossible(PledgesError):
    """Only card contributions are refunded through Stripe, and never for more than was paid."""

    code = "refund_not_possible"


class CardPaymentsNotConfigured(PledgesError):
    """Card payments are not configured on this server; give by bank transfer instead."""

    code = "card_payments_not_configured"


class PaymentProviderUnavailable(PledgesError):
    """Stripe could not be reached or refused the request; nothing was charged. Try again later."""

    code = "payment_provider_unavailable"


class WebhookSignatureInvalid(PledgesError):
    """The Stripe-Signature header is missing, malformed, stale or does not match the body."""

    code = "invalid_signature"


class WebhookPayloadInvalid(PledgesError):
    """The webhook body is not a Stripe event."""

    code = "invalid_payload"


class EventHandlingFailed(PledgesError):
    """The event was stored but its handler failed; Stripe's retry or `replay_stripe_events` runs it again."""

    code = "event_handling_failed"


class InvalidDonorProfile(PledgesError):
    """The donor's sign-up or profile is not valid."""

    code = "invalid_donor_profile"


class UsernameTaken(PledgesError):
    """The username is taken; choose another (a pseudonym will do)."""

    code = "username_taken"


class ManageCodeInvalid(PledgesError):
    """No pledge has this manage code."""

    code = "manage_code_invalid"


class ReceiptNotFound(PledgesError):
    """No such receipt."""

    code = "not_found"


class ReceiptNotUndelivered(PledgesError):
    """Only a receipt whose e-mail has not gone out can be sent again; this one was sent or has no address."""

    code = "receipt_not_undelivered"


class ContributionNotMatchable(PledgesError):
    """Only bank and cash money received without a pledge is matched; card payments come with theirs."""

    code = "contribution_not_matchable"


class ContributionAlreadyMatched(PledgesError):
    """This contribution already belongs to a pledge; a match is never changed."""

    code = "contribution_already_matched"


class UnknownPledgeReference(PledgesError):
    """No pledge has this reference."""

    code = "unknown_pledge_reference"


class PledgeCurrencyDiffers(PledgesError):
    """The pledge is in another currency than the money received."""

    code = "pledge_currency_differs"
