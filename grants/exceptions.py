"""Domain errors of the grants app, each with a stable code; messages never name a person.

Titles and messages are translated (locale/): a requester reads them in their own language.
"""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class GrantsError(DomainError):
    """Base class; `code` is stable and shown to API clients (api/exceptions.py maps it to a status)."""

    code = "grants_error"
    title = _("Refused")
    message = _("The grant request cannot be handled.")


class InvalidGrantInput(GrantsError):
    code = "validation_error"
    title = _("Invalid request")
    message = _("The request is not a valid grant operation.")


class UnknownFund(InvalidGrantInput):
    code = "unknown_fund"
    title = _("Unknown fund")
    message = _("No fund with that id takes grant requests.")


class UnknownCountry(InvalidGrantInput):
    code = "unknown_country"
    title = _("Unknown country")
    message = _("Not an ISO 3166-1 alpha-2 country code.")


class UnknownCurrency(InvalidGrantInput):
    code = "invalid_currency"
    title = _("Unknown currency")
    message = _("Not an ISO 4217 currency code.")


class UnsupportedLanguage(InvalidGrantInput):
    code = "unsupported_language"
    title = _("Unsupported language")
    message = _("Not one of the languages this service answers in.")


class InvalidGrantAmount(InvalidGrantInput):
    code = "invalid_amount"
    title = _("Invalid amount")
    message = _("A grant amount is a positive number of minor units.")


class CurrencyNotPaid(GrantsError):
    code = "currency_not_paid"
    title = _("Currency not paid")
    message = _("The fund does not pay grants in this currency.")


class FundNotAccepting(GrantsError):
    code = "fund_not_accepting"
    title = _("Fund not accepting")
    message = _("The fund does not take new grant requests now.")


class AboveFundMaximum(GrantsError):
    code = "above_fund_maximum"
    title = _("Above the fund's maximum")
    message = _("The amount is above the most this fund grants to one request.")


class AboveRequested(GrantsError):
    code = "above_requested"
    title = _("Above the amount requested")
    message = _("An approval cannot exceed the amount requested.")


class RequestNotFound(GrantsError):
    code = "not_found"
    title = _("Not found")
    message = _("No such grant request (or none you may see).")


class InvalidTransition(GrantsError):
    code = "invalid_transition"
    title = _("Not possible now")
    message = _("The request's status does not allow this.")


class NotEditable(InvalidTransition):
    code = "not_editable"
    title = _("Not editable")
    message = _("Only a draft can be edited.")


class AlreadyAppealed(GrantsError):
    code = "already_appealed"
    title = _("Already appealed")
    message = _("A declined request can be appealed once.")


class AppealNeedsAnotherReviewer(GrantsError):
    code = "appeal_needs_another_reviewer"
    title = _("Appeal needs another reviewer")
    message = _("An appeal is decided by a reviewer who did not decide the first time.")


class ConflictOfInterest(GrantsError):
    code = "conflict_of_interest"
    title = _("Conflict of interest")
    message = _("This reviewer declared a conflict of interest with the request.")


class NotAReviewer(InvalidGrantInput):
    code = "not_a_reviewer"
    title = _("Not a reviewer")
    message = _("Requests are assigned to active users in the reviewer role.")


class CategoryCapReached(GrantsError):
    code = "category_cap_reached"
    title = _("Category cap reached")
    message = _("The fund's cap for this category would be exceeded.")


class FundShort(GrantsError):
    code = "fund_short"
    title = _("Fund short")
    message = _("The fund's uncommitted money is less than the amount.")


class ClaimCodeInvalid(GrantsError):
    code = "claim_code_invalid"
    title = _("Invalid claim code")
    message = _("No request answers to this claim code.")


class ClaimCodeExpired(GrantsError):
    code = "claim_code_expired"
    title = _("Claim code expired")
    message = _("The claim code has expired; write to the fund's contact to recover the request.")


class ClaimCodeUsed(GrantsError):
    code = "claim_code_used"
    title = _("Claim code used")
    message = _(
        "The claim code was already used to move the request into an account; sign in to that account."
    )


class PseudonymTaken(GrantsError):
    code = "pseudonym_taken"
    title = _("Pseudonym taken")
    message = _("That pseudonym is taken; choose another.")


class TooLong(InvalidGrantInput):
    code = "too_long"
    title = _("Too long")
    message = _("A text is over its size limit.")


class RequestErased(GrantsError):
    code = "erased"
    title = _("Erased")
    message = _("This request's identifying data has been erased.")


class QuestionNotFound(GrantsError):
    code = "not_found"
    title = _("Not found")
    message = _("No such question on this request.")


class AlreadyAnswered(GrantsError):
    code = "already_answered"
    title = _("Already answered")
    message = _("This question has been answered.")


class RateRequired(InvalidGrantInput):
    code = "rate_required"
    title = _("Rate required")
    message = _("A request in another currency than the fund's is approved at a rate, with its source.")


class AttachmentTooLarge(GrantsError):
    """The document is larger than an attachment may be."""

    code = "attachment_too_large"
    title = _("Document too large")
    message = _("The document is larger than a document may be.")


class AttachmentTypeUnsupported(GrantsError):
    """Only PDF, JPEG and PNG documents are taken (read from the file itself, not its name)."""

    code = "attachment_type_unsupported"
    title = _("Document type not taken")
    message = _("Only PDF, JPEG and PNG documents are taken.")


class AttachmentUnreadable(GrantsError):
    """The document could not be read as the PDF, JPEG or PNG it starts as: it is damaged or protected."""

    code = "attachment_unreadable"
    title = _("Document unreadable")
    message = _("The document could not be read: it is damaged or protected by a password.")


class AttachmentLimitReached(GrantsError):
    """This request holds as many documents as a request may."""

    code = "attachment_limit_reached"
    title = _("Too many documents")
    message = _("This request holds as many documents as a request may.")


class AttachmentNotAllowed(GrantsError):
    """Documents are added to a draft, or after submission with an answer to a reviewer's question."""

    code = "attachment_not_allowed"
    title = _("Document not allowed now")
    message = _("Documents are added to a draft, or with an answer to a reviewer's question.")


class AttachmentNotFound(GrantsError):
    """No such document on this request."""

    code = "not_found"
    title = _("Not found")
    message = _("No such document (or none you may see).")
