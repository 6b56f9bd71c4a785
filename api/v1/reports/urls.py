"""URL routes of reports: ask for an auditor pack, follow its run by its random id, download it."""

from django.urls import path

from api.v1.reports import views

urlpatterns = [
    path("auditor-pack/", views.AuditorPackCreateView.as_view(), name="reports-auditor-pack"),
    path("runs/<uuid:pk>/", views.ReportRunDetailView.as_view(), name="reports-run-detail"),
    path("runs/<uuid:pk>/pdf/", views.ReportRunPDFView.as_view(), name="reports-run-pdf"),
    path("runs/<uuid:pk>/csv/", views.ReportRunCSVView.as_view(), name="reports-run-csv"),
]
