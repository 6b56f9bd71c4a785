"""The language an answer is written in: a requester's own, else what Accept-Language asks for.

LocaleMiddleware activates the language negotiated from Accept-Language before the
view runs and writes `Content-Language` from whatever is active when the answer
leaves, so a view that switches language here changes the header too.
"""

from django.utils import translation
from rest_framework.request import Request

from grants.selectors import requester_language_get


def language_activate(request: Request, language: str | None) -> None:
    """Answer this request in `language` (a code of settings.LANGUAGES); None leaves it as negotiated."""
    if not language:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request._request.LANGUAGE_CODE = language


def negotiated_language() -> str:
    """The language negotiated for this request (from Accept-Language), as a code of settings.LANGUAGES."""
    return translation.get_supported_language_variant(translation.get_language() or "en")


class ReaderLanguageMixin:
    """Answers a signed-in requester in their account's language, whatever Accept-Language says.

    Others (reviewers, staff, anyone without a chosen language) keep the language
    LocaleMiddleware negotiated. Runs right after authentication, so a refusal for
    a missing role or second factor is in the reader's language as well.
    """

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        language_activate(request, requester_language_get(user=request.user))
