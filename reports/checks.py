"""System checks of the transparency settings: a threshold below 2 would publish single grants."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def transparency_threshold_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    value = getattr(settings, "TRANSPARENCY_MIN_RECIPIENTS", None)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2:
        return []
    return [
        Error(
            "TRANSPARENCY_MIN_RECIPIENTS must be a whole number of at least 2.",
            hint="A public figure describing fewer recipients could single one out; the default is 5.",
            id="reports.E001",
        )
    ]
