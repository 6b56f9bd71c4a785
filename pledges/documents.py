"""A receipt as a donor reads it: plain text for the e-mail, a PDF (WeasyPrint) to download or attach."""

from babel.numbers import format_currency
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

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


def _labels(receipt: Receipt, campaign: str) -> dict[str, str]:
    """The receipt's words in the active language (extracted into locale/ by `translations extract`)."""
    return {
        "title": _("Receipt %(number)s") % {"number": receipt.number},
        "date": _("Date"),
        "campaign": _("Campaign"),
        "paid": _("You gave"),
        "received": _("We received"),
        "converted": _("(after conversion by the payment provider)"),
        "reference": _("Pledge reference"),
        "thanks": _("Thank you for your gift to %(campaign)s.") % {"campaign": campaign},
        "names_no_one": _(
            "Thank you. This receipt names no one: it shows what was given, when, and to which campaign."
        ),
        "keep_safe": _("This receipt names no one. Keep it somewhere safe."),
    }


def _context(receipt: Receipt, language: str) -> dict[str, object]:
    titles = receipt.campaign.title
    converted = receipt.currency != receipt.received_currency
    campaign_language = language if titles.get(language) else "en"
    campaign = titles[campaign_language]
    return {
        "organisation": ORGANISATION,
        "number": receipt.number,
        "issued_on": receipt.issued_on.isoformat(),
        "campaign": campaign,
        "campaign_language": campaign_language,
        "rtl": translation.get_language_bidi(),
        "language": language,
        "labels": _labels(receipt, campaign),
        "paid": money(receipt.amount, receipt.currency, language),
        "received": money(receipt.received_amount, receipt.received_currency, language),
        "converted": converted,
        "pledge_reference": receipt.pledge.reference,
    }


def receipt_subject(receipt: Receipt, language: str) -> str:
    with translation.override(language):
        return _("Your receipt %(number)s") % {"number": receipt.number}


def receipt_text(receipt: Receipt, language: str) -> str:
    with translation.override(language):
        return render_to_string("pledges/receipt.txt", _context(receipt, language))


def receipt_pdf(receipt: Receipt, language: str) -> bytes:
    """The receipt as a one-page PDF in the donor's language, right to left in Arabic.

    It names no one: a receipt found on a phone must not out its donor.
    """
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    return bytes(HTML(string=receipt_html(receipt, language)).write_pdf())


def receipt_html(receipt: Receipt, language: str) -> str:
    """The page the PDF is printed from."""
    with translation.override(language):
        return render_to_string("pledges/receipt.html", _context(receipt, language))
