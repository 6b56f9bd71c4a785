"""Request and response bodies of the token and second-factor endpoints."""

from typing import Any

from rest_framework import serializers

OTP_HELP = "The current 6-digit code from the authenticator app."


class OtpField(serializers.RegexField):
    """A TOTP code: six digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", OTP_HELP)
        super().__init__(r"^[0-9]{6}$", max_length=6, min_length=6, **kwargs)


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )
    otp = OtpField(
        required=False,
        help_text=OTP_HELP + " Required once the account has a confirmed authenticator.",
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`; shown only now.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")
    otp_verified = serializers.BooleanField(
        help_text=(
            "Whether the token was issued after a second factor. Treasurers, auditors and admins "
            "need a verified token for everything but enrolling an authenticator."
        )
    )


class OtpEnrolmentOutput(serializers.Serializer):
    provisioning_uri = serializers.CharField(
        help_text="An `otpauth://totp/...` URI for the authenticator app (or a QR code of it); shown once."
    )
    secret = serializers.CharField(help_text="The same secret in base32, for typing in by hand; shown once.")


class OtpConfirmRequest(serializers.Serializer):
    otp = OtpField()


class OtpConfirmOutput(serializers.Serializer):
    otp_verified = serializers.BooleanField(
        help_text="True: the authenticator is confirmed and the token sent along is now verified."
    )
