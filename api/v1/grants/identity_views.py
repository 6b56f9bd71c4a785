"""Endpoints that open or add sealed data: a request's identity, questions and answers, notes, shredding.

Every opening goes through the vault, which logs who read which field and why.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.language import ReaderLanguageMixin
from api.permissions import (
    GrantAccessLogAccess,
    GrantIdentityAccess,
    GrantRequestAccess,
    GrantReviewAccess,
    GrantShredAccess,
)
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.grants import serializers as s
from api.v1.grants.views import CLAIM_PROBLEMS, ClaimView
from api.validation import body_validate
from grants import identity, services
from grants.exceptions import RequestNotFound
from grants.models import GrantRequest, Note, Question
from grants.selectors import (
    grant_request_get_by_claim_code,
    grant_request_get_for,
    grant_request_get_for_access_log,
)

TAG = "grants"
PURPOSE_OWN = "requester_own"
PURPOSE_REVIEW = "review"
GONE = "`erased`: the request's identifying data has been shredded."


def _visible(request: Request, reference: str) -> tuple[GrantRequest, str]:
    """The request, if it is the caller's own or assigned to them, and why they read it."""
    found = grant_request_get_for(user=request.user, reference=reference)
    if found.requester_id == request.user.pk:
        return found, PURPOSE_OWN
    if found.assignments.filter(reviewer_id=request.user.pk).exists():
        return found, PURPOSE_REVIEW
    raise RequestNotFound()


def _questions(found: GrantRequest, reader_id: int | None, purpose: str) -> list[dict[str, Any]]:
    rows = []
    for question in Question.objects.filter(request=found).select_related("request"):
        body, answer = identity.question_open(question=question, reader_id=reader_id, purpose=purpose)
        rows.append(
            {
                "id": question.pk,
                "question": body,
                "answer": answer,
                "asked_at": question.asked_at,
                "answered_at": question.answered_at,
            }
        )
    return rows


@extend_schema(tags=[TAG])
class IdentityView(ReaderLanguageMixin, APIView):
    """Open a request's identifying fields: its requester, or a reviewer it is assigned to. Logged."""

    permission_classes = (GrantIdentityAccess,)

    @extend_schema(responses={200: s.IdentityOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, reference: str) -> Response:
        found, purpose = _visible(request, reference)
        opened = identity.identity_open(request=found, reader_id=request.user.pk, purpose=purpose)
        return Response(s.IdentityOutput({"erased": opened.erased, **opened.values}).data)


@extend_schema(tags=[TAG])
class QuestionListCreateView(ReaderLanguageMixin, APIView):
    """A request's questions and answers (its requester and assigned reviewers); reviewers ask."""

    permission_classes = (GrantIdentityAccess,)

    @extend_schema(responses={200: s.QuestionOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, reference: str) -> Response:
        found, purpose = _visible(request, reference)
        return Response(s.QuestionOutput(_questions(found, request.user.pk, purpose), many=True).data)

    @extend_schema(
        request=s.QuestionInput,
        responses={
            201: s.QuestionOutput,
            **problems(*WRITE_PROBLEMS, 404, 409, 410, s409="`invalid_transition`.", s410=GONE),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.QuestionInput, request)
        question = services.question_ask(reference=reference, reviewer=request.user, body=data["question"])
        document = {
            "id": question.pk,
            "question": data["question"],
            "answer": None,
            "asked_at": question.asked_at,
            "answered_at": None,
        }
        return Response(s.QuestionOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class QuestionAnswerView(ReaderLanguageMixin, APIView):
    """The requester answers a question: the one change a submitted request still takes."""

    permission_classes = (GrantRequestAccess,)

    @extend_schema(
        request=s.AnswerInput,
        responses={
            204: None,
            **problems(
                *WRITE_PROBLEMS, 404, 409, 410, s409="`already_answered`, `invalid_transition`.", s410=GONE
            ),
        },
    )
    def post(self, request: Request, reference: str, question: int) -> Response:
        data = body_validate(s.AnswerInput, request)
        services.question_answer(
            reference=reference, requester=request.user, question_id=question, body=data["answer"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[TAG])
class NoteListCreateView(ReaderLanguageMixin, APIView):
    """Reviewers' internal notes on an assigned request; the requester never sees them."""

    permission_classes = (GrantReviewAccess,)

    @extend_schema(responses={200: s.NoteOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, reference: str) -> Response:
        found = services.access_request_as_reviewer_unlocked(reference=reference, reviewer=request.user)
        notes = [
            {
                "id": note.pk,
                "note": identity.note_open(note=note, reader_id=request.user.pk, purpose=PURPOSE_REVIEW),
                "author": note.author_id,
                "created_at": note.created_at,
            }
            for note in Note.objects.filter(request=found).select_related("request")
        ]
        return Response(s.NoteOutput(notes, many=True).data)

    @extend_schema(request=s.NoteInput, responses={201: s.NoteOutput, **problems(*WRITE_PROBLEMS, 404, 410)})
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.NoteInput, request)
        note = services.note_add(reference=reference, reviewer=request.user, body=data["note"])
        document = {
            "id": note.pk,
            "note": data["note"],
            "author": note.author_id,
            "created_at": note.created_at,
        }
        return Response(s.NoteOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class ShredView(ReaderLanguageMixin, APIView):
    """Erase one request's identifying data now (crypto-shredding); its public fields and books stay."""

    permission_classes = (GrantShredAccess,)

    @extend_schema(request=None, responses={200: s.GrantRequestOutput, **problems(*WRITE_PROBLEMS, 404)})
    def post(self, request: Request, reference: str) -> Response:
        shredded = services.grant_request_shred(reference=reference, by_id=request.user.pk)
        return Response(s.GrantRequestOutput(shredded).data)


@extend_schema(tags=[TAG])
class AccessLogView(ReaderLanguageMixin, APIView):
    """Who opened which sealed field of a request, when and why; its shredding.

    Assigned reviewers; treasurers once the request is approved (they pay it): approved, paid, or
    closed after approval; admins every request. Any other request is a 404.
    """

    permission_classes = (GrantAccessLogAccess,)

    @extend_schema(responses={200: s.AccessRecordOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, reference: str) -> Response:
        found = grant_request_get_for_access_log(user=request.user, reference=reference)
        return Response(s.AccessRecordOutput(identity.access_log(request=found), many=True).data)


@extend_schema(tags=[TAG])
class ClaimQuestionsView(ClaimView):
    """An anonymous request's questions and answers, read with its claim code."""

    @extend_schema(request=s.ClaimCodeInput, responses={200: s.QuestionOutput(many=True), **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request)
        found = grant_request_get_by_claim_code(code=data["claim_code"])
        return Response(s.QuestionOutput(_questions(found, None, PURPOSE_OWN), many=True).data)


@extend_schema(tags=[TAG])
class ClaimAnswerView(ClaimView):
    """Answer a question on an anonymous request with its claim code."""

    @extend_schema(request=s.ClaimAnswerInput, responses={204: None, **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request, s.ClaimAnswerInput)
        services.question_answer_by_claim_code(
            code=data["claim_code"], question_id=data["question"], body=data["answer"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
