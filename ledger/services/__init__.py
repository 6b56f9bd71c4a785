"""Ledger writes, split by job; each function is one database transaction."""

from ledger.services.chart import (
    DEFAULT_CHART,
    GENERAL_FUND_CODE,
    account_create,
    chart_of_accounts_create,
    fund_create,
)
from ledger.services.periods import period_close
from ledger.services.posting import (
    account_for,
    account_ids_for,
    currency_convert,
    entries_post_bulk,
    entry_post,
    entry_reverse,
    fund_transfer,
)
from ledger.services.sealing import SEAL_LOCK_KEY, balances_checkpoint, ledger_seal, ledger_upkeep
from ledger.services.validation import MAX_POSTINGS, check_entry_spec, request_hash
from ledger.specs import EntrySpec, FxRate, PostedEntry, PostingSpec, SealResult, SourceRef

__all__ = [
    "DEFAULT_CHART",
    "GENERAL_FUND_CODE",
    "MAX_POSTINGS",
    "SEAL_LOCK_KEY",
    "EntrySpec",
    "FxRate",
    "PostedEntry",
    "PostingSpec",
    "SealResult",
    "SourceRef",
    "account_create",
    "account_for",
    "account_ids_for",
    "balances_checkpoint",
    "chart_of_accounts_create",
    "check_entry_spec",
    "currency_convert",
    "entries_post_bulk",
    "entry_post",
    "entry_reverse",
    "fund_create",
    "fund_transfer",
    "ledger_seal",
    "ledger_upkeep",
    "period_close",
    "request_hash",
]
