"""Background work of the reports app, where Celery's autodiscovery looks for it."""

from reports.auditor.tasks import auditor_pack_render_task, report_runs_recover_task

__all__ = ["auditor_pack_render_task", "report_runs_recover_task"]
