"""Domain errors of the auditor pack, each with a stable code (api/exceptions.py maps codes to statuses)."""

from core.errors import DomainError


class ReportsError(DomainError):
    """Base class; `code` is stable and shown to API clients."""

    code = "reports_error"


class InvalidPeriod(ReportsError):
    """The period's first day is after its last."""

    code = "invalid_period"


class UnknownFund(ReportsError):
    """No fund with that id."""

    code = "unknown_fund"


class UnsupportedLanguage(ReportsError):
    """The pack is printed in English, Arabic, Spanish or French."""

    code = "unsupported_language"


class ReportRunNotFound(ReportsError):
    """No report run with that id."""

    code = "not_found"


class ReportNotReady(ReportsError):
    """The report is still queued or rendering; ask for its status and download it when it is done."""

    code = "report_not_ready"


class ReportFailed(ReportsError):
    """Rendering this report failed; request a new one."""

    code = "report_failed"
