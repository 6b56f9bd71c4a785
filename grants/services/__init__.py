"""Writes about grant requests, split by job; each function is one transaction and locks before it checks.

Lock order, everywhere: the fund's grant rules (GrantFund), then the request.
"""

from grants.services.access import (
    access_request_as_requester,
    access_request_as_reviewer,
    access_request_as_reviewer_unlocked,
    check_amount,
    check_country,
    check_language,
    check_request_terms,
)
from grants.services.attachments import (
    OpenedAttachment,
    attachment_add,
    attachment_add_by_claim_code,
    attachment_max_bytes,
    attachment_open,
    check_attachment_size,
)
from grants.services.conversation import (
    note_add,
    question_answer,
    question_answer_by_claim_code,
    question_ask,
)
from grants.services.decisions import (
    COMMITMENT_NAMESPACE,
    SOURCE_TYPE,
    commitment_key,
    conflict_declare,
    grant_request_approve,
    grant_request_close,
    grant_request_decline,
    grant_request_mark_paid,
    review_record,
    reviewer_assign,
)
from grants.services.erasure import grant_request_shred, grant_requests_shred_expired
from grants.services.funds import grant_fund_rules_set
from grants.services.requests import (
    EDITABLE_FIELDS,
    AnonymousApplication,
    grant_request_appeal,
    grant_request_appeal_by_claim_code,
    grant_request_apply_anonymously,
    grant_request_claim,
    grant_request_create,
    grant_request_submit,
    grant_request_update,
    grant_request_withdraw,
    grant_request_withdraw_by_claim_code,
    requester_language_set,
    requester_register,
)

__all__ = [
    "COMMITMENT_NAMESPACE",
    "EDITABLE_FIELDS",
    "SOURCE_TYPE",
    "AnonymousApplication",
    "OpenedAttachment",
    "access_request_as_requester",
    "access_request_as_reviewer",
    "access_request_as_reviewer_unlocked",
    "attachment_add",
    "attachment_add_by_claim_code",
    "attachment_max_bytes",
    "attachment_open",
    "check_amount",
    "check_attachment_size",
    "check_country",
    "check_language",
    "check_request_terms",
    "commitment_key",
    "conflict_declare",
    "grant_fund_rules_set",
    "grant_request_appeal",
    "grant_request_appeal_by_claim_code",
    "grant_request_apply_anonymously",
    "grant_request_approve",
    "grant_request_claim",
    "grant_request_close",
    "grant_request_create",
    "grant_request_decline",
    "grant_request_mark_paid",
    "grant_request_shred",
    "grant_request_submit",
    "grant_request_update",
    "grant_request_withdraw",
    "grant_request_withdraw_by_claim_code",
    "grant_requests_shred_expired",
    "note_add",
    "question_answer",
    "question_answer_by_claim_code",
    "question_ask",
    "requester_language_set",
    "requester_register",
    "review_record",
    "reviewer_assign",
]
