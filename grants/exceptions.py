"""Domain errors of the grants app, each with a stable code; messages never name a person."""

from core.errors import DomainError


class GrantsError(DomainError):
    """Base class; `code` is stable and shown to API clients (api/exceptions.py maps it to a status)."""

    code = "grants_error"


class InvalidGrantInput(GrantsError):
    """The request is not a valid grant operation."""

    code = "validation_error"


class UnknownFund(InvalidGrantInput):
    """No fund with that id takes grant requests."""

    code = "unknown_fund"


class UnknownCountry(InvalidGrantInput):
    """Not an ISO 3166-1 alpha-2 country code."""

    code = "unknown_country"


class InvalidGrantAmount(InvalidGrantInput):
    """A grant amount is a positive number of minor units."""

    code = "invalid_amount"


class CurrencyNotPaid(GrantsError):
    """The fund does not pay grants in this currency."""

    code = "currency_not_paid"


class FundNotAccepting(GrantsError):
    """The fund does not take new grant requests now."""

    code = "fund_not_accepting"


class AboveFundMaximum(GrantsError):
    """The amount is above the most this fund grants to one request."""

    code = "above_fund_maximum"


class AboveRequested(GrantsError):
    """An approval cannot exceed the amount requested."""

    code = "above_requested"


class RequestNotFound(GrantsError):
    """No such grant request (or none you may see)."""

    code = "not_found"


class InvalidTransition(GrantsError):
    """The request's status does not allow this."""

    code = "invalid_transition"


class NotEditable(InvalidTransition):
    """Only a draft can be edited."""

    code = "not_editable"


class AlreadyAppealed(GrantsError):
    """A declined request can be appealed once."""

    code = "already_appealed"


class AppealNeedsAnotherReviewer(GrantsError):
    """An appeal is decided by a reviewer who did not decide the first time."""

    code = "appeal_needs_another_reviewer"


class ConflictOfInterest(GrantsError):
    """This reviewer declared a conflict of interest with the request."""

    code = "conflict_of_interest"


class NotAReviewer(InvalidGrantInput):
    """Requests are assigned to active users in the reviewer role."""

    code = "not_a_reviewer"


class CategoryCapReached(GrantsError):
    """The fund's cap for this category would be exceeded."""

    code = "category_cap_reached"


class FundShort(GrantsError):
    """The fund's uncommitted money is less than the amount."""

    code = "fund_short"


class ClaimCodeInvalid(GrantsError):
    """No request answers to this claim code."""

    code = "claim_code_invalid"


class ClaimCodeExpired(GrantsError):
    """The claim code has expired; write to the fund's contact to recover the request."""

    code = "claim_code_expired"


class ClaimCodeUsed(GrantsError):
    """The claim code was already used to move the request into an account; sign in to that account."""

    code = "claim_code_used"


class PseudonymTaken(GrantsError):
    """That pseudonym is taken; choose another."""

    code = "pseudonym_taken"


class TooLong(InvalidGrantInput):
    """A text is over its size limit."""

    code = "too_long"


class RequestErased(GrantsError):
    """This request's identifying data has been erased."""

    code = "erased"


class QuestionNotFound(GrantsError):
    """No such question on this request."""

    code = "not_found"


class AlreadyAnswered(GrantsError):
    """This question has been answered."""

    code = "already_answered"


class RateRequired(InvalidGrantInput):
    """A request in another currency than the fund's is approved at a rate, with its source."""

    code = "rate_required"


class AttachmentTooLarge(GrantsError):
    """The document is larger than an attachment may be."""

    code = "attachment_too_large"


class AttachmentTypeUnsupported(GrantsError):
    """Only PDF, JPEG and PNG documents are taken (read from the file itself, not its name)."""

    code = "attachment_type_unsupported"


class AttachmentUnreadable(GrantsError):
    """The document could not be read as the PDF, JPEG or PNG it starts as: it is damaged or protected."""

    code = "attachment_unreadable"


class AttachmentLimitReached(GrantsError):
    """This request holds as many documents as a request may."""

    code = "attachment_limit_reached"


class AttachmentNotAllowed(GrantsError):
    """Documents are added to a draft, or after submission with an answer to a reviewer's question."""

    code = "attachment_not_allowed"


class AttachmentNotFound(GrantsError):
    """No such document on this request."""

    code = "not_found"
