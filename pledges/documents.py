"""A receipt as a donor reads it: plain text for the e-mail, a PDF (WeasyPrint) to download or attach."""

from babel.numbers import format_currency
from django.conf import settings
from django.template.loader import render_to_string

from ledger.api import to_decimal
from pledges.models import DonorProfile, Receipt

ORGANISATION = "Tadamun mutual aid"


def receipt_language(receipt: Receipt) -> str:
    """The donor's preferred language when they have a profile, else English."""
    donor_id = receipt.pledge.donor_id
    if donor_id is not None:
        language = DonorProfile.objects.filter(user_id=donor_id).values_list("language", flat=True).first()
        if language:
            return language
    return settings.LANGUAGE_CODE


def money(minor: int, currency: str, language: str = "en") -> str:
    """An amount for people, with the ISO code so no dollar passes for another: `1,000.00 MXN`.

    The separators are the language's; the decimals the currency's own, so nothing is rounded.
    """
    return format_currency(
        to_decimal(minor, currency), currency, format="#,##0.00 ¤¤", locale=language, currency_digits=True
    )


def _context(receipt: Receipt, language: str) -> dict[str, object]:
    titles = receipt.campaign.title
    converted = receipt.currency != receipt.received_currency
    return {
        "organisation": ORGANISATION,
        "number": receipt.number,
        "issued_on": receipt.issued_on.isoformat(),
        "campaign": titles.get(language) or titles["en"],
        "rtl": language == "ar",
        "language": language,
        "paid": money(receipt.amount, receipt.currency, language),
        "received": money(receipt.received_amount, receipt.received_currency, language),
        "converted": converted,
        "pledge_reference": receipt.pledge.reference,
    }


def receipt_text(receipt: Receipt, language: str) -> str:
    return render_to_string("pledges/receipt.txt", _context(receipt, language))


def receipt_pdf(receipt: Receipt, language: str) -> bytes:
    """The receipt as a one-page PDF. It names no one: a receipt found on a phone must not out its donor.

    Its labels are English for now; the campaign's title and the numbers follow the donor's language.
    """
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    html = render_to_string("pledges/receipt.html", _context(receipt, language))
    return bytes(HTML(string=html).write_pdf())
