"""Domain errors of pledges and the Stripe intake, each with a stable `code`."""


class PledgesError(Exception):
    """Base class; `code` is stable and shown to API clients, `status` is the API's mapping."""

    code = "pledges_error"
    status = 422

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__doc__ or self.code)
        self.detail = detail or (self.__doc__ or self.code)


class InvalidPledge(PledgesError):
    """The pledge is not valid."""

    code = "invalid_pledge"
    status = 400


class AmountAboveMaximum(InvalidPledge):
    """The amount is above the largest pledge accepted."""

    code = "amount_above_maximum"


class CampaignNotFound(PledgesError):
    """No such campaign."""

    code = "not_found"
    status = 404


class PledgeNotFound(PledgesError):
    """No such pledge."""

    code = "not_found"
    status = 404


class CampaignExists(PledgesError):
    """A campaign with this slug already exists."""

    code = "campaign_exists"
    status = 409


class CampaignClosed(PledgesError):
    """The campaign does not take pledges now (not started yet, or ended)."""

    code = "campaign_closed"
    status = 409


class PledgeNotCancellable(PledgesError):
    """Only an active or pending monthly pledge can be cancelled."""

    code = "pledge_not_cancellable"
    status = 409


class ContributionNotFound(PledgesError):
    """No such contribution."""

    code = "not_found"
    status = 404


class RefundNotPossible(PledgesError):
    """Only card contributions are refunded through Stripe, and never for more than was paid."""

    code = "refund_not_possible"
    status = 409


class CardPaymentsNotConfigured(PledgesError):
    """Card payments are not configured on this server; give by bank transfer instead."""

    code = "card_payments_not_configured"
    status = 422


class PaymentProviderUnavailable(PledgesError):
    """Stripe could not be reached or refused the request; nothing was charged. Try again later."""

    code = "payment_provider_unavailable"
    status = 503


class WebhookSignatureInvalid(PledgesError):
    """The Stripe-Signature header is missing, malformed, stale or does not match the body."""

    code = "invalid_signature"
    status = 400


class WebhookPayloadInvalid(PledgesError):
    """The webhook body is not a Stripe event."""

    code = "invalid_payload"
    status = 400


class EventHandlingFailed(PledgesError):
    """The event was stored but its handler failed; Stripe's retry or `replay_stripe_events` runs it again."""

    code = "event_handling_failed"
    status = 503


class EventNotReady(PledgesError):
    """The event refers to something not booked yet; a later retry will find it."""

    code = "event_not_ready"
    status = 503
