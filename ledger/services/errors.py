"""What PostgreSQL refused, as the ledger's domain errors."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DatabaseError
from psycopg import errors as pg

from ledger import exceptions as exc
from ledger.models import Account
from ledger.specs import PostingSpec

# SQLSTATEs the ledger's own SQL raises (ledger/sql).
SQLSTATE_UNBALANCED = "TL001"
SQLSTATE_PERIOD_CLOSED = "TL002"
SQLSTATE_IDEMPOTENCY = "TL003"
SQLSTATE_REVERSAL = "TL004"
SQLSTATE_CHAIN = "TL005"
SQLSTATE_APPEND_ONLY = "TL006"
SQLSTATE_BALANCE = "TL007"

_BY_SQLSTATE: dict[str, type[exc.LedgerError]] = {
    SQLSTATE_UNBALANCED: exc.UnbalancedEntry,
    SQLSTATE_REVERSAL: exc.UnbalancedEntry,
    SQLSTATE_PERIOD_CLOSED: exc.PeriodClosed,
    SQLSTATE_IDEMPOTENCY: exc.IdempotencyConflict,
    SQLSTATE_APPEND_ONLY: exc.AppendOnly,
}
_BY_CONSTRAINT: dict[str, tuple[type[exc.LedgerError], str]] = {
    "entry_legs_complete_fk": (exc.UnbalancedEntry, "An entry is missing some of its postings."),
    "balance_above_floor": (exc.InsufficientFunds, "The entry would take a balance below its floor."),
    "entry_reversed_once": (exc.AlreadyReversed, ""),
    "closedperiod_no_overlap": (exc.PeriodOverlap, ""),
}
_VALIDATION_SQLSTATES = frozenset(
    {pg.CheckViolation.sqlstate, pg.NotNullViolation.sqlstate, pg.NumericValueOutOfRange.sqlstate}
)


@contextmanager
def database_errors(legs: Sequence[PostingSpec] = ()) -> Iterator[None]:
    """Turn what PostgreSQL rejected into the ledger's domain errors."""
    try:
        yield
    except DatabaseError as error:
        raise domain_error(error, legs) from error


def domain_error(error: DatabaseError, legs: Sequence[PostingSpec]) -> exc.LedgerError:
    """The domain error for a database error, or the database error itself if it is not the ledger's."""
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    message = getattr(diag, "message_primary", None) or str(error)
    if sqlstate in _BY_SQLSTATE:
        return _BY_SQLSTATE[sqlstate](message)
    if constraint in _BY_CONSTRAINT:
        cls, detail = _BY_CONSTRAINT[constraint]
        return cls(detail)
    if constraint == "posting_account_currency_fk":
        known = set(Account.objects.filter(id__in={p.account_id for p in legs}).values_list("id", flat=True))
        missing = sorted({p.account_id for p in legs} - known)
        if missing:
            return exc.UnknownReference(f"No account with id {missing[0]}.")
        return exc.CurrencyMismatch("A posting's currency differs from its account's currency.")
    if sqlstate == pg.ForeignKeyViolation.sqlstate:
        return exc.UnknownReference("An account, fund or entry named in the request does not exist.")
    if sqlstate in _VALIDATION_SQLSTATES:
        return exc.ValidationFailed(message)
    if sqlstate == pg.RaiseException.sqlstate and "pgtrigger" in message:
        return exc.AppendOnly()
    raise error
