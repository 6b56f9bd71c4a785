"""Domain errors of the ledger, each with a stable code."""


class LedgerError(Exception):
    """Base class; `code` is stable and shown to API clients."""

    code = "ledger_error"
    status = 422  # the API boundary's default mapping

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__doc__ or self.code)
        self.detail = detail or (self.__doc__ or self.code)


class ValidationFailed(LedgerError):
    """The request is not a valid ledger operation."""

    code = "validation_error"
    status = 400


class InvalidCurrency(ValidationFailed):
    """Not an ISO 4217 currency code."""

    code = "invalid_currency"


class InvalidAmount(ValidationFailed):
    """The amount cannot be represented exactly in the currency's minor units."""

    code = "invalid_amount"


class UnbalancedEntry(LedgerError):
    """The postings of an entry do not sum to zero per currency and fund."""

    code = "unbalanced"


class CurrencyMismatch(LedgerError):
    """A posting's currency differs from its account's currency."""

    code = "currency_mismatch"


class UnknownReference(LedgerError):
    """An account or fund named in the request does not exist."""

    code = "unknown_reference"


class PeriodClosed(LedgerError):
    """The entry is dated inside a closed accounting period."""

    code = "period_closed"
    status = 409


class PeriodOverlap(LedgerError):
    """The period overlaps a period that is already closed."""

    code = "period_overlap"
    status = 409


class AlreadyReversed(LedgerError):
    """The entry has already been reversed; an entry can be reversed once."""

    code = "already_reversed"
    status = 409


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_conflict"
    status = 409


class InsufficientFunds(LedgerError):
    """The entry would take a balance below its floor."""

    code = "insufficient_funds"
    status = 409


class EntryNotFound(LedgerError):
    """No such journal entry."""

    code = "not_found"
    status = 404


class AppendOnly(LedgerError):
    """Ledger rows cannot be changed or deleted; post a reversing entry instead."""

    code = "append_only"
    status = 409
