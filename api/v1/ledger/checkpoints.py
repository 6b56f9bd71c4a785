"""Signed checkpoints of the chain head for auditors, and the public key that verifies them."""

import base64
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import HashField
from api.pagination import IdCursorPagination
from api.permissions import LedgerAccess
from api.schema import READ_PROBLEMS, problems
from ledger.anchoring import signed_checkpoint_list, signed_checkpoint_message
from ledger.models import SignedCheckpoint
from ledger.signing import ALGORITHM, MESSAGE_FORMAT, retired_public_keys, signing_public_key, time_text

TAG = "ledger"


class SignedCheckpointOutput(serializers.Serializer):
    seq = serializers.IntegerField(help_text="Sequence number of the signed chain head.")
    head_hash = HashField(help_text="The chain hash at that sequence number.")
    signed_at = serializers.SerializerMethodField(
        help_text="When the sealer signed it: UTC with microseconds, exactly as in `message`."
    )
    key_id = serializers.CharField(help_text="Id of the public key that verifies the signature.")
    signature = serializers.SerializerMethodField(help_text="Ed25519 signature of `message`, in base64.")
    message = serializers.SerializerMethodField(
        help_text="The exact text signed (UTF-8): `tadamun-checkpoint-v1`, seq, head_hash and "
        "signed_at, one per line, no trailing newline."
    )

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_signed_at(self, checkpoint: SignedCheckpoint) -> str:
        return time_text(checkpoint.signed_at)

    def get_signature(self, checkpoint: SignedCheckpoint) -> str:
        return base64.b64encode(bytes(checkpoint.signature)).decode()

    def get_message(self, checkpoint: SignedCheckpoint) -> str:
        return signed_checkpoint_message(checkpoint).decode()


class PublicKeyOutput(serializers.Serializer):
    key_id = serializers.CharField(help_text="First 16 bytes of SHA-256 over the raw public key, in hex.")
    public_key = serializers.CharField(
        source="raw_base64", help_text="The raw 32-byte public key, in base64."
    )
    pem = serializers.CharField(help_text="The same key as PEM (SubjectPublicKeyInfo).")


class SigningKeysOutput(serializers.Serializer):
    algorithm = serializers.CharField(help_text="Always `Ed25519`.")
    message_format = serializers.CharField(help_text="What each checkpoint signs, fields in braces.")
    current = PublicKeyOutput(help_text="The key that signs new checkpoints.")
    retired = PublicKeyOutput(many=True, help_text="Keys that signed earlier checkpoints.")


class PublicRead(BasePermission):
    """Anyone may read, without signing in."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return True

    def describe(self, method: str) -> str:
        return "**Permissions:** anyone, without signing in."


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(responses={200: SignedCheckpointOutput(many=True), **problems(*READ_PROBLEMS, 404)})
)
class SignedCheckpointListView(generics.ListAPIView):
    """Chain heads signed by the sealer, newest first: keep copies outside this system.

    `manage.py verify_ledger --expect-file` takes one of them, as JSON, and
    fails when the chain no longer reaches its head.
    """

    permission_classes = (LedgerAccess,)
    serializer_class = SignedCheckpointOutput
    pagination_class = IdCursorPagination
    filter_backends = ()

    def get_queryset(self) -> QuerySet[SignedCheckpoint]:
        return signed_checkpoint_list()


@extend_schema(tags=[TAG])
class PublicKeyView(APIView):
    """The Ed25519 public key that verifies signed checkpoints, and the retired ones."""

    permission_classes = (PublicRead,)
    # Public: a stale or wrong token sent along must not stand in the way.
    authentication_classes = ()
    uses_database = False  # the key comes from settings: no 503 to document

    @extend_schema(
        responses={
            200: SigningKeysOutput,
            **problems(404, 406, s404="No signing key is configured (`not_found`)."),
        }
    )
    def get(self, request: Request) -> Response:
        current = signing_public_key()
        if current is None:
            raise NotFound("No ledger signing key is configured.")
        document: dict[str, Any] = {
            "algorithm": ALGORITHM,
            "message_format": MESSAGE_FORMAT,
            "current": current,
            "retired": [key for key in retired_public_keys() if key.key_id != current.key_id],
        }
        return Response(SigningKeysOutput(document).data)
