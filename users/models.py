"""The user model and the API token model (hashed, expiring, one per device or client)."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from knox.models import AbstractAuthToken


# The stubs' plugin cannot follow knox's abstract token model back to the user.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """Anyone who signs in; what they may do comes from their role groups."""

    # The hash this instance holds in the database, to notice a password change on save.
    _password_saved: str | None = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> "User":
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._password_saved = instance.__dict__.get("password")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every way of changing a password (a service, the admin's form,
        # `changepassword`, set_unusable_password) ends in this save: a token
        # must not outlive the password it was bought with. Django re-hashing an
        # unchanged password on sign-in (a hasher upgrade) is not a change.
        changed = (
            self.pk is not None
            and self._password_saved is not None
            and self.password != self._password_saved
            # set_password keeps the raw password in _password until the save.
            and (getattr(self, "_password", None) is not None or not self.has_usable_password())
        )
        super().save(*args, **kwargs)
        self._password_saved = self.password
        if changed:
            AuthToken.objects.filter(user=self).delete()


class AuthToken(AbstractAuthToken):
    """A knox token (only its digest is stored) and the second factor it was issued under, if any."""

    # Removing a lost authenticator removes the tokens it vouched for.
    otp_device = models.ForeignKey(
        "otp_totp.TOTPDevice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = "API token"

    @property
    def otp_verified(self) -> bool:
        return self.otp_device_id is not None
