"""The user model: AUTH_USER_MODEL, ours from the start so it can grow without a swap later."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Anyone who signs in; what they may do comes from their role groups."""
