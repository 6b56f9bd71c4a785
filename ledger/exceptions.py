"""Domain errors of the ledger, each with a stable code (the API maps codes to statuses)."""

from core.errors import DomainError


class LedgerError(DomainError):
    """Base class of the ledger's errors; `code` is stable and shown to API clients."""

    code = "ledger_error"


class ValidationFailed(LedgerError):
    """The request is not a valid ledger operation."""

    code = "validation_error"


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


class PeriodOverlap(LedgerError):
    """The period overlaps a period that is already closed."""

    code = "period_overlap"


class AlreadyReversed(LedgerError):
    """The entry has already been reversed; an entry can be reversed once."""

    code = "already_reversed"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    code = "idempotency_conflict"


class IdempotencyKeyForeign(IdempotencyConflict):
    """The idempotency key belongs to an entry another user posted; choose a fresh key."""

    code = "idempotency_key_foreign"


class InsufficientFunds(LedgerError):
    """The entry would take a balance below its floor."""

    code = "insufficient_funds"


class EntryNotFound(LedgerError):
    """No such journal entry."""

    code = "not_found"


class AppendOnly(LedgerError):
    """Ledger rows cannot be changed or deleted; post a reversing entry instead."""

    code = "append_only"


class DateOutOfRange(ValidationFailed):
    """The entry date is before the ledger's start or too far ahead."""

    code = "date_out_of_range"


class InvisibleCharacters(ValidationFailed):
    """The text contains bidirectional controls or other invisible characters."""

    code = "invisible_characters"
