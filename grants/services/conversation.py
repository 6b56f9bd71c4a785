"""Questions from reviewers, answers from requesters, reviewers' internal notes; every text sealed."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import exceptions as exc
from grants.identity import ANSWER_LIMIT, NOTE_LIMIT, QUESTION_LIMIT, seal_text
from grants.models import GrantRequest, Note, Question
from grants.selectors import grant_request_get_by_claim_code
from grants.services.access import access_request_as_requester, access_request_as_reviewer, status_label
from grants.workflow import DECIDABLE, OPEN_FOR_REVIEW


@transaction.atomic
def question_ask(*, reference: str, reviewer: Any, body: str) -> Question:
    """Ask the requester something while the request is under review."""
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(
            _("A request that is %(status)s takes no questions.") % {"status": status_label(request.status)}
        )
    sealed = seal_text(request=request, field="question", value=body, limit=QUESTION_LIMIT)
    return Question.objects.create(request=request, asked_by=reviewer, body_sealed=sealed)


def _answer(request: GrantRequest, question_id: int, body: str) -> Question:
    if request.status not in OPEN_FOR_REVIEW:
        raise exc.InvalidTransition(
            _("A request that is %(status)s takes no answers.") % {"status": status_label(request.status)}
        )
    question = Question.objects.select_for_update().filter(request=request, pk=question_id).first()
    if question is None:
        raise exc.QuestionNotFound()
    if question.answer_sealed is not None:
        raise exc.AlreadyAnswered()
    question.answer_sealed = seal_text(request=request, field="answer", value=body, limit=ANSWER_LIMIT)
    question.answered_at = timezone.now()
    question.save(update_fields=["answer_sealed", "answered_at"])
    return question


@transaction.atomic
def question_answer(*, reference: str, requester: Any, question_id: int, body: str) -> Question:
    """The requester answers a question: the one change a submitted request still takes."""
    request = access_request_as_requester(reference=reference, requester=requester)
    return _answer(request, question_id, body)


@transaction.atomic
def question_answer_by_claim_code(*, code: str, question_id: int, body: str) -> Question:
    request = grant_request_get_by_claim_code(code=code, for_update=True)
    return _answer(request, question_id, body)


@transaction.atomic
def note_add(*, reference: str, reviewer: Any, body: str) -> Note:
    """An internal note by an assigned reviewer; requesters never see notes."""
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    sealed = seal_text(request=request, field="note", value=body, limit=NOTE_LIMIT)
    return Note.objects.create(request=request, author=reviewer, body_sealed=sealed)
