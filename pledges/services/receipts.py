"""Donors' receipts: one per contribution, issued as it is booked, e-mailed after the booking commits."""

import logging
import secrets

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from pledges.documents import receipt_language, receipt_pdf, receipt_subject, receipt_text
from pledges.exceptions import ReceiptNotFound, ReceiptNotUndelivered
from pledges.models import Contribution, DonorProfile, Pledge, Receipt, ReceiptEmail
from pledges.services.donors import pledge_email_open
from pledges.services.profiles import donor_profile_email_open

logger = logging.getLogger(__name__)

# No 0/O or 1/I/L: a receipt number is read aloud and typed.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PURPOSE = "receipt"


def receipt_number_new() -> str:
    """`R-` and 12 random characters (about 59 bits): it says nothing about how many came before."""
    body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(12))
    return f"R-{body[:4]}-{body[4:8]}-{body[8:]}"


def _profile(pledge: Pledge) -> DonorProfile | None:
    if pledge.donor_id is None:
        return None
    return DonorProfile.objects.filter(user_id=pledge.donor_id).first()


def _has_address(pledge: Pledge) -> bool:
    """Whether an e-mail is kept for this pledge's receipts (the pledge's own, or its donor's profile's)."""
    if pledge.email_sealed is not None:
        return True
    profile = _profile(pledge)
    return profile is not None and profile.email_sealed is not None


def receipt_issue(*, contribution: Contribution, pledge: Pledge | None) -> Receipt | None:
    """Issue the receipt of a newly booked contribution. Call inside the booking's transaction.

    A receipt is issued when its donor can receive it: they have an account (and
    can download it), or an e-mail is kept for the pledge. It is e-mailed once
    the booking commits; a failure to send never undoes the booking.
    """
    if pledge is None:
        return None
    emailed = _has_address(pledge)
    if pledge.donor_id is None and not emailed:
        return None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                receipt = Receipt.objects.create(
                    number=receipt_number_new(),
                    contribution=contribution,
                    pledge=pledge,
                    campaign_id=contribution.campaign_id,
                    amount=contribution.presentment_amount,
                    currency=contribution.presentment_currency,
                    received_amount=contribution.amount,
                    received_currency=contribution.currency,
                    issued_on=contribution.received_on,
                    email_status=ReceiptEmail.PENDING if emailed else ReceiptEmail.NONE,
                )
            break
        except IntegrityError:  # a number drawn twice: draw again
            continue
    else:
        raise AssertionError("five receipt number collisions in a row")
    if emailed:
        from pledges.tasks import receipt_send_task  # tasks call the services

        receipt_id = receipt.pk
        transaction.on_commit(lambda: receipt_send_task.delay(receipt_id), robust=True)
    return receipt


def _address_open(pledge: Pledge) -> str | None:
    """The address for this pledge's receipts, opened from the vault for `receipt` (logged there)."""
    address = pledge_email_open(pledge=pledge, reader_id=None, purpose=PURPOSE)
    if address:
        return address
    profile = _profile(pledge)
    return donor_profile_email_open(profile=profile, purpose=PURPOSE) if profile else None


def _message(receipt: Receipt, address: str) -> EmailMessage:
    language = receipt_language(receipt)
    message = EmailMessage(
        subject=receipt_subject(receipt, language),
        body=receipt_text(receipt, language),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    message.attach(f"receipt-{receipt.number}.pdf", receipt_pdf(receipt, language), "application/pdf")
    return message


def receipt_send(*, receipt_id: int) -> Receipt:
    """E-mail a pending receipt. Safe to run twice: the row lock and its status let one send through.

    A failure is counted and kept (by its class name) for the next attempt; an
    address erased in the meantime means no e-mail at all.
    """
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("pledge", "campaign")
            .get(pk=receipt_id)
        )
        if receipt.email_status != ReceiptEmail.PENDING:
            return receipt
        address = _address_open(receipt.pledge)
        if address is None:
            receipt.email_status = ReceiptEmail.NONE
            receipt.save(update_fields=["email_status"])
            logger.info("Receipt %s: no e-mail kept any more; not sent", receipt.number)
            return receipt
        receipt.email_attempts += 1
        try:
            _message(receipt, address).send()
        except Exception as error:  # SMTP refusals, a mail server down: kept and tried again later
            receipt.email_error = type(error).__name__[:64]
            logger.warning("Receipt %s e-mail failed: %s", receipt.number, type(error).__name__)
        else:
            receipt.email_status = ReceiptEmail.SENT
            receipt.emailed_at = timezone.now()
            receipt.email_error = ""
            logger.info("Receipt %s e-mailed", receipt.number)
        receipt.save(update_fields=["email_status", "email_attempts", "email_error", "emailed_at"])
    return receipt


def receipt_email_retry(*, number: str) -> Receipt:
    """E-mail a receipt again now, its attempts counted afresh (after a mail outage, say).

    The periodic task gives a receipt up after RECEIPT_EMAIL_MAX_ATTEMPTS
    failures; this is how a treasurer puts it back. A receipt already sent, or
    with no address to send it to, is ReceiptNotUndelivered.
    """
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().filter(number=number).first()
        if receipt is None:
            raise ReceiptNotFound(f"No receipt numbered {number}.")
        if receipt.email_status != ReceiptEmail.PENDING:
            raise ReceiptNotUndelivered()
        receipt.email_attempts = 0
        receipt.save(update_fields=["email_attempts"])
    return receipt_send(receipt_id=receipt.pk)
