"""The ledger's Python interface for other apps: post, reverse, move, convert, read."""

from ledger.exceptions import (
    AlreadyReversed,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    PeriodClosed,
    UnbalancedEntry,
)
from ledger.money import currency_exponent, to_decimal_string, to_minor
from ledger.selectors import account_balance, chain_head, fund_balances, trial_balance
from ledger.services import (
    EntrySpec,
    FxRate,
    PostedEntry,
    PostingSpec,
    SourceRef,
    balances_checkpoint,
    currency_convert,
    entries_post_bulk,
    entry_post,
    entry_reverse,
    fund_transfer,
    ledger_seal,
)

__all__ = [
    "AlreadyReversed",
    "CurrencyMismatch",
    "EntrySpec",
    "FxRate",
    "IdempotencyConflict",
    "InsufficientFunds",
    "LedgerError",
    "PeriodClosed",
    "PostedEntry",
    "PostingSpec",
    "SourceRef",
    "UnbalancedEntry",
    "account_balance",
    "balances_checkpoint",
    "chain_head",
    "currency_convert",
    "currency_exponent",
    "entries_post_bulk",
    "entry_post",
    "entry_reverse",
    "fund_balances",
    "fund_transfer",
    "ledger_seal",
    "to_decimal_string",
    "to_minor",
    "trial_balance",
]
