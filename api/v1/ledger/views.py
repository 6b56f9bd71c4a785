"""Ledger endpoints: read the books; treasurers post manual adjustments and reversals."""

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import AccountFilter, BalanceFilter, EntryFilter
from api.idempotency import idempotency_key_get, idempotency_key_owned
from api.pagination import IdCursorPagination
from api.permissions import LedgerAccess
from api.schema import IDEMPOTENCY_KEY, READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.ledger import serializers as s
from api.validation import body_validate, query_validate
from ledger.exceptions import CurrencyMismatch, UnknownReference
from ledger.models import Account, Balance, Entry, EntryKind
from ledger.money import currency_check, to_minor
from ledger.selectors import (
    account_currencies,
    account_detail_get,
    account_list,
    account_statement_page,
    balance_list,
    chain_head,
    entry_get,
    entry_list,
    fund_balances,
    trial_balance,
    trial_balance_totals,
)
from ledger.services import EntrySpec, PostedEntry, PostingSpec, entry_post, entry_reverse

TAG = "ledger"

POSTING_PROBLEMS = problems(
    *WRITE_PROBLEMS,
    409,
    422,
    s409="`idempotency_conflict` (key reused with another body), `idempotency_key_foreign` (key used "
    "by another user), `period_closed`, `insufficient_funds` (a balance would go below its floor), "
    "`already_reversed`.",
    s422="`unbalanced` (postings do not sum to zero per currency and fund), `currency_mismatch`, "
    "`unknown_reference` (no such account or fund).",
)


def _entries() -> QuerySet[Entry]:
    # At most one entry reverses another (entry_reversed_once).
    reversal = Entry.objects.filter(reverses=OuterRef("pk")).values("id")[:1]
    return entry_list().annotate(reversed_by_id=Subquery(reversal))


def _posted_response(posted: PostedEntry) -> Response:
    code = status.HTTP_200_OK if posted.replayed else status.HTTP_201_CREATED
    return Response(s.EntryOutput(entry_get(entry_id=posted.entry_id)).data, status=code)


def _posting_specs(postings: Sequence[dict[str, Any]]) -> tuple[PostingSpec, ...]:
    """Major-unit decimal strings to minor units, in the account's (or the stated) currency."""
    currencies = account_currencies(account_ids={p["account"] for p in postings})
    specs = []
    for posting in postings:
        account_currency = currencies.get(posting["account"])
        if account_currency is None:
            raise UnknownReference(f"No account with id {posting['account']}.")
        currency = posting.get("currency") or account_currency
        if currency != account_currency:
            # Said here: the ledger would sum the legs per currency first and call it unbalanced.
            currency_check(currency)  # an unknown code is invalid_currency, not a mismatch
            raise CurrencyMismatch(
                f"Account {posting['account']} keeps {account_currency}; "
                f"a posting to it cannot be in {currency}."
            )
        specs.append(
            PostingSpec(
                account_id=posting["account"],
                fund_id=posting["fund"],
                currency=currency,
                amount=to_minor(posting["amount"], currency),
            )
        )
    return tuple(specs)


# --- accounts -----------------------------------------------------------------


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(responses={200: s.AccountOutput(many=True), **problems(*READ_PROBLEMS, 404)})
)
class AccountListView(generics.ListAPIView):
    """The chart of accounts, by code; filter by currency, type or system role."""

    permission_classes = (LedgerAccess,)
    serializer_class = s.AccountOutput
    filterset_class = AccountFilter

    def get_queryset(self) -> QuerySet[Account]:
        return account_list()


@extend_schema(tags=[TAG])
class AccountDetailView(APIView):
    """One account, with its balance over all funds."""

    permission_classes = (LedgerAccess,)

    @extend_schema(responses={200: s.AccountDetailOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        account = account_detail_get(account_id=pk)
        if account is None:
            raise NotFound()
        return Response(s.AccountDetailOutput(account).data)


@extend_schema(tags=[TAG])
class AccountStatementView(APIView):
    """An account's postings in date order with a running balance.

    The opening balance sums everything dated before `date_from`. At most `limit`
    lines are returned; `truncated` says whether more exist, and the closing
    balance is the running balance after the last line returned.
    """

    permission_classes = (LedgerAccess,)

    @extend_schema(
        parameters=[s.StatementQuery],
        responses={200: s.StatementOutput, **problems(*READ_PROBLEMS, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        query = query_validate(s.StatementQuery, request)
        try:
            statement, truncated = account_statement_page(
                account_id=pk,
                date_from=query.get("date_from"),
                date_to=query.get("date_to"),
                fund_id=query.get("fund"),
                limit=query["limit"],
            )
        except UnknownReference:  # the account in the address
            raise NotFound() from None
        document = {**vars(statement), "fund": query.get("fund"), "truncated": truncated}
        return Response(s.StatementOutput(document, context={"currency": statement.currency}).data)


# --- fund balances (funds themselves: funds.py) ------------------------------------


@extend_schema(tags=[TAG])
class FundBalancesView(APIView):
    """Per fund and currency: assets, liabilities, income, expenses and net assets."""

    permission_classes = (LedgerAccess,)

    @extend_schema(responses={200: s.FundBalanceOutput(many=True), **problems(*READ_PROBLEMS)})
    def get(self, request: Request) -> Response:
        return Response(s.FundBalanceOutput(fund_balances(), many=True).data)


# --- entries --------------------------------------------------------------------


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(
        description="Journal entries, newest first, with their postings and seals. Cursor-paginated: "
        "follow `next` and `previous`. Filters combine with AND.",
        responses={200: s.EntryOutput(many=True), **problems(*READ_PROBLEMS, 404)},
    )
)
class EntryListCreateView(generics.ListAPIView):
    """Journal entries with their postings and seals."""

    permission_classes = (LedgerAccess,)
    serializer_class = s.EntryOutput
    filterset_class = EntryFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Entry]:
        return _entries()

    @extend_schema(
        description="Post a manual adjustment entry. Each posting names an account, a fund and a "
        "signed decimal amount in the account's currency (debit positive); postings must sum to "
        "zero per currency and fund. Requires an `Idempotency-Key` header: a replay of the same "
        "key and body returns the first entry with 200 and writes nothing. A refused request "
        "writes nothing.",
        parameters=[IDEMPOTENCY_KEY],
        request=s.EntryCreateInput,
        responses={
            201: OpenApiResponse(s.EntryOutput, description="Posted."),
            200: OpenApiResponse(s.EntryOutput, description="Replay: the entry first posted under this key."),
            **POSTING_PROBLEMS,
        },
    )
    @idempotency_key_owned
    def post(self, request: Request) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.EntryCreateInput, request)
        posted = entry_post(
            EntrySpec(
                idempotency_key=key,
                postings=_posting_specs(data["postings"]),
                date=data["date"],
                kind=EntryKind.MANUAL,
                memo=data["memo"],
                created_by_id=request.user.pk,
            )
        )
        return _posted_response(posted)


@extend_schema(tags=[TAG])
class EntryDetailView(APIView):
    """One journal entry with its postings and its seal (sequence number and hash)."""

    permission_classes = (LedgerAccess,)

    @extend_schema(responses={200: s.EntryOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.EntryOutput(entry_get(entry_id=pk)).data)


@extend_schema(tags=[TAG])
class EntryReverseView(APIView):
    """Post the mirror image of an entry; an entry can be reversed once."""

    permission_classes = (LedgerAccess,)

    @extend_schema(
        description="Post the mirror image of an entry, pointing back to it. An entry can be "
        "reversed once (409 `already_reversed`). Requires an `Idempotency-Key` header; a replay "
        "returns the first reversal with 200. Without a date, the reversal is dated today, so a "
        "replay on a later day must send the same explicit date.",
        parameters=[IDEMPOTENCY_KEY],
        request=s.EntryReverseInput,
        responses={
            201: OpenApiResponse(s.EntryOutput, description="The reversing entry."),
            200: OpenApiResponse(
                s.EntryOutput, description="Replay: the reversal first posted under this key."
            ),
            **POSTING_PROBLEMS,
            **problems(404),
        },
    )
    @idempotency_key_owned
    def post(self, request: Request, pk: int) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.EntryReverseInput, request)
        posted = entry_reverse(
            entry_id=pk,
            idempotency_key=key,
            date=data.get("date"),
            memo=data["memo"],
            created_by_id=request.user.pk,
        )
        return _posted_response(posted)


# --- balances and reports -----------------------------------------------------------


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(responses={200: s.BalanceOutput(many=True), **problems(*READ_PROBLEMS, 404)})
)
class BalanceListView(generics.ListAPIView):
    """Running balance of each (account, fund) pair ever posted to, debit positive."""

    permission_classes = (LedgerAccess,)
    serializer_class = s.BalanceOutput
    filterset_class = BalanceFilter

    def get_queryset(self) -> QuerySet[Balance]:
        return balance_list()


@extend_schema(tags=[TAG])
class TrialBalanceView(APIView):
    """Every account's balance as debit or credit, optionally within one fund, with totals per currency."""

    permission_classes = (LedgerAccess,)

    @extend_schema(
        parameters=[s.TrialBalanceQuery], responses={200: s.TrialBalanceOutput, **problems(*READ_PROBLEMS)}
    )
    def get(self, request: Request) -> Response:
        fund_id = query_validate(s.TrialBalanceQuery, request).get("fund")
        rows = trial_balance(fund_id=fund_id)
        document = {"fund": fund_id, "rows": rows, "totals": trial_balance_totals(rows)}
        return Response(s.TrialBalanceOutput(document).data)


@extend_schema(tags=[TAG])
class ChainHeadView(APIView):
    """The newest seal of the hash chain: what every report says it was built from."""

    permission_classes = (LedgerAccess,)

    @extend_schema(responses={200: s.ChainHeadOutput, **problems(*READ_PROBLEMS)})
    def get(self, request: Request) -> Response:
        seq, digest = chain_head()
        return Response(s.ChainHeadOutput({"seq": seq, "hash": digest}).data)
