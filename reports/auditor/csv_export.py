"""The auditor pack as CSV: a file per section, UTF-8, amounts as decimal strings in the currency exponent.

Column names are stable English identifiers whatever the language of the PDF, so an
auditor's tools read every pack the same way. The sections go together in one zip.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence

from ledger.api import to_decimal_string
from reports.auditor.selectors import AccountLedger, AmountLine, AuditorPack

SECTIONS = ("pack", "trial_balance", "activities", "financial_position", "journal", "general_ledger")

# A spreadsheet would run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _amount_rows(fund: str, currency: str, part: str, lines: tuple[AmountLine, ...]) -> list[list[object]]:
    return [
        [
            fund,
            currency,
            part,
            line.account.code,
            _text(line.account.name),
            to_decimal_string(line.amount, currency),
        ]
        for line in lines
    ]


def _ledger_rows(page: AccountLedger) -> list[list[object]]:
    """An account's general ledger: its opening balance, each posting with the balance after, its closing."""
    account, currency = page.account, page.account.currency

    def row(line: str, *middle: object, amount: str = "", balance: int) -> list[object]:
        cells = list(middle) or ["", "", "", "", "", ""]
        return [
            account.code,
            _text(account.name),
            currency,
            line,
            *cells,
            amount,
            to_decimal_string(balance, currency),
        ]

    return [
        row("opening", balance=page.opening),
        *(
            row(
                "posting",
                line.date.isoformat(),
                line.entry_id,
                line.kind,
                line.source_type,
                _text(line.source_id),
                line.fund.code,
                amount=to_decimal_string(line.amount, currency),
                balance=line.balance,
            )
            for line in page.lines
        ),
        row("closing", balance=page.closing),
    ]


def pack_csv_sections(pack: AuditorPack, generated_at: datetime.datetime) -> dict[str, str]:
    """Each section's CSV text, by section name (SECTIONS)."""
    about = [
        ("kind", "auditor_pack"),
        ("date_from", pack.date_from.isoformat()),
        ("date_to", pack.date_to.isoformat()),
        ("fund_code", pack.fund.code if pack.fund else ""),
        ("chain_seq", pack.chain_seq),
        ("chain_hash", pack.chain_hash),
        ("generated_at", generated_at.isoformat()),
    ]
    trial_balance = [
        [
            line.account.code,
            _text(line.account.name),
            line.account.type,
            line.account.currency,
            to_decimal_string(line.debit, line.account.currency),
            to_decimal_string(line.credit, line.account.currency),
        ]
        for line in pack.trial_balance
    ]
    activities = [
        row
        for a in pack.activities
        for part, lines in (("income", a.income), ("expense", a.expenses), ("other", a.other))
        for row in _amount_rows(a.fund.code, a.currency, part, lines)
    ]
    position = [
        row
        for p in pack.position
        for part, lines in (("asset", p.assets), ("liability", p.liabilities))
        for row in _amount_rows(p.fund.code, p.currency, part, lines)
    ]
    journal = [
        [
            entry.id,
            entry.date.isoformat(),
            entry.kind,
            entry.source_type,
            _text(entry.source_id),
            entry.reverses_id or "",
            entry.seal_seq or "",
            entry.hash_prefix,
            leg,
            posting.account.code,
            _text(posting.account.name),
            posting.fund.code,
            posting.currency,
            to_decimal_string(posting.amount, posting.currency),
        ]
        for entry in pack.journal
        for leg, posting in enumerate(entry.postings, start=1)
    ]
    general_ledger = [row for page in pack.general_ledger for row in _ledger_rows(page)]
    return {
        "pack": _csv(("field", "value"), about),
        "trial_balance": _csv(
            ("account_code", "account_name", "account_type", "currency", "debit", "credit"), trial_balance
        ),
        "activities": _csv(
            ("fund_code", "currency", "part", "account_code", "account_name", "amount"), activities
        ),
        "financial_position": _csv(
            ("fund_code", "currency", "part", "account_code", "account_name", "amount"), position
        ),
        "journal": _csv(
            (
                "entry_id",
                "date",
                "kind",
                "source_type",
                "source_id",
                "reverses_entry_id",
                "seal_seq",
                "hash_prefix",
                "leg",
                "account_code",
                "account_name",
                "fund_code",
                "currency",
                "amount",
            ),
            journal,
        ),
        "general_ledger": _csv(
            (
                "account_code",
                "account_name",
                "currency",
                "line",
                "date",
                "entry_id",
                "kind",
                "source_type",
                "source_id",
                "fund_code",
                "amount",
                "balance",
            ),
            general_ledger,
        ),
    }


def pack_csv_zip(sections: dict[str, str]) -> bytes:
    """The sections as `<section>.csv` files in one zip, in SECTIONS order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in SECTIONS:
            archive.writestr(f"{name}.csv", sections[name].encode("utf-8"))
    return buffer.getvalue()


def pack_csv_section(archive: bytes, section: str) -> str:
    """One section's CSV text out of a stored zip."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return opened.read(f"{section}.csv").decode("utf-8")
