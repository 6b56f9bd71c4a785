"""Errors of the users app, each with a stable `code` the API reports."""


class UsersError(Exception):
    """Base of the users app's errors; `code` is stable, `detail` is for people."""

    code = "users_error"
    detail = "The request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail


class OtpRequired(UsersError):
    code = "otp_required"
    detail = "This account has a second factor: send the current code from the authenticator app as `otp`."


class OtpInvalid(UsersError):
    code = "otp_invalid"
    detail = "The one-time code is wrong, expired or already used; wait for the next one."


class OtpAlreadyEnrolled(UsersError):
    code = "otp_already_enrolled"
    detail = "This account already has a confirmed authenticator; an admin can remove it if it was lost."


class OtpNotEnrolled(UsersError):
    code = "otp_not_enrolled"
    detail = "There is no authenticator waiting for confirmation; enrol one first."
