"""Tables of the reports app; each kind of report keeps its models in its own subpackage."""

from reports.auditor.models import ReportKind, ReportRun, ReportStatus

__all__ = ["ReportKind", "ReportRun", "ReportStatus"]
