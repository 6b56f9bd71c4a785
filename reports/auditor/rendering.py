"""The auditor pack as a PDF (WeasyPrint, from one HTML template) in the auditor's language.

Numbers, money and dates are formatted by Babel for the language; amounts keep the
currency's own decimals and are never rounded. Arabic pages run right to left; codes,
amounts and references are isolated left to right inside them.
"""

import datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from django.template.loader import render_to_string

from ledger.api import to_decimal
from reports.auditor.labels import RTL_LANGUAGES, labels_for
from reports.auditor.selectors import AccountRef, AmountLine, AuditorPack, FundRef

TEMPLATE = "reports/auditor/pack.html"
ORGANISATION = "Tadamun mutual aid"


def money(minor: int, currency: str, language: str) -> str:
    """An amount in a column headed by its currency: the language's separators, the currency's decimals."""
    return format_currency(
        to_decimal(minor, currency), currency, format="#,##0.00", locale=language, currency_digits=True
    )


def day(date: datetime.date, language: str) -> str:
    return format_date(date, format="medium", locale=language)


def account_name(account: AccountRef, labels: dict[str, str]) -> str:
    """A system account by its role in the pack's language; any other by the name it was given."""
    if account.role:
        return f"{labels[f'role_{account.role}']} ({account.currency})"
    return account.name


def fund_name(fund: FundRef) -> str:
    return f"{fund.name} ({fund.code})"


def _amount_lines(lines: tuple[AmountLine, ...], currency: str, language: str, labels: dict) -> list:
    return [
        {
            "code": line.account.code,
            "name": account_name(line.account, labels),
            "amount": money(line.amount, currency, language),
        }
        for line in lines
    ]


def pack_context(pack: AuditorPack, language: str, generated_at: datetime.datetime) -> dict[str, Any]:
    """Everything the template prints, already formatted for `language`."""
    labels = labels_for(language)

    def m(minor: int, currency: str) -> str:
        return money(minor, currency, language)

    period = labels["period_range"] % {
        "from": day(pack.date_from, language),
        "to": day(pack.date_to, language),
    }
    return {
        "language": language,
        "rtl": language in RTL_LANGUAGES,
        "labels": labels,
        "organisation": ORGANISATION,
        "period": period,
        "at_end": labels["at_end_of"] % {"date": format_date(pack.date_to, format="long", locale=language)},
        "for_period": labels["for_period"] % {"range": period},
        "fund": fund_name(pack.fund) if pack.fund else labels["all_funds"],
        "chain_seq": format_decimal(pack.chain_seq, locale=language),
        "chain_hash": pack.chain_hash,
        "generated_at": format_datetime(generated_at, format="medium", locale=language),
        "trial_balance": [
            {
                "code": line.account.code,
                "name": account_name(line.account, labels),
                "type": labels[f"type_{line.account.type}"],
                "currency": line.account.currency,
                "debit": m(line.debit, line.account.currency) if line.debit else "",
                "credit": m(line.credit, line.account.currency) if line.credit else "",
            }
            for line in pack.trial_balance
        ],
        "trial_balance_totals": [
            {"currency": t.currency, "debit": m(t.debit, t.currency), "credit": m(t.credit, t.currency)}
            for t in pack.trial_balance_totals
        ],
        "activities": [
            {
                "fund": fund_name(a.fund),
                "currency": a.currency,
                "income": _amount_lines(a.income, a.currency, language, labels),
                "expenses": _amount_lines(a.expenses, a.currency, language, labels),
                "other": _amount_lines(a.other, a.currency, language, labels),
                "total_income": m(a.total_income, a.currency),
                "total_expenses": m(a.total_expenses, a.currency),
                "total_other": m(a.total_other, a.currency),
                "change": m(a.change_in_net_assets, a.currency),
            }
            for a in pack.activities
        ],
        "position": [
            {
                "fund": fund_name(p.fund),
                "currency": p.currency,
                "assets": _amount_lines(p.assets, p.currency, language, labels),
                "liabilities": _amount_lines(p.liabilities, p.currency, language, labels),
                "total_assets": m(p.total_assets, p.currency),
                "total_liabilities": m(p.total_liabilities, p.currency),
                "net_assets": m(p.net_assets, p.currency),
            }
            for p in pack.position
        ],
        "journal": [
            {
                "id": entry.id,
                "date": day(entry.date, language),
                "kind": labels[f"kind_{entry.kind}"],
                "source": f"{entry.source_type}:{entry.source_id}" if entry.source_type else "",
                "seal": f"{entry.seal_seq} {entry.hash_prefix}" if entry.seal_seq else "",
                "postings": [
                    {
                        "code": p.account.code,
                        "name": account_name(p.account, labels),
                        "fund": p.fund.code,
                        "currency": p.currency,
                        "debit": m(p.amount, p.currency) if p.amount > 0 else "",
                        "credit": m(-p.amount, p.currency) if p.amount < 0 else "",
                    }
                    for p in entry.postings
                ],
            }
            for entry in pack.journal
        ],
        "general_ledger": [
            {
                "code": page.account.code,
                "name": account_name(page.account, labels),
                "currency": page.account.currency,
                "opening": m(page.opening, page.account.currency),
                "closing": m(page.closing, page.account.currency),
                "lines": [
                    {
                        "date": day(line.date, language),
                        "entry": line.entry_id,
                        "kind": labels[f"kind_{line.kind}"],
                        "source": f"{line.source_type}:{line.source_id}" if line.source_type else "",
                        "fund": line.fund.code,
                        "debit": m(line.amount, page.account.currency) if line.amount > 0 else "",
                        "credit": m(-line.amount, page.account.currency) if line.amount < 0 else "",
                        "balance": m(line.balance, page.account.currency),
                    }
                    for line in page.lines
                ],
            }
            for page in pack.general_ledger
        ],
    }


def pack_html(pack: AuditorPack, language: str, generated_at: datetime.datetime) -> str:
    """The page the PDF is printed from."""
    return render_to_string(TEMPLATE, pack_context(pack, language, generated_at))


def pack_pdf(pack: AuditorPack, language: str, generated_at: datetime.datetime) -> bytes:
    """The pack as a PDF in `language`; right to left in Arabic."""
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    return bytes(HTML(string=pack_html(pack, language, generated_at)).write_pdf())
