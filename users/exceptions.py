"""Errors of the users app, each with a stable `code` the API reports."""

from core.errors import DomainError


class UsersError(DomainError):
    """The request could not be completed."""

    code = "users_error"


class OtpRequired(UsersError):
    """This account has a second factor: send the current code from the authenticator app as `otp`."""

    code = "otp_required"


class OtpInvalid(UsersError):
    """The one-time code is wrong, expired or already used; wait for the next one."""

    code = "otp_invalid"


class OtpAlreadyEnrolled(UsersError):
    """This account already has a confirmed authenticator; an admin can remove it if it was lost."""

    code = "otp_already_enrolled"


class OtpNotEnrolled(UsersError):
    """There is no authenticator waiting for confirmation; enrol one first."""

    code = "otp_not_enrolled"
