"""API v1 URL configuration: tokens, the ledger, grants, giving, payouts, transparency, reports, the schema,
Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("auth/", include("api.v1.auth.urls")),
    path("ledger/", include("api.v1.ledger.urls")),
    path("", include("api.v1.pledges.urls")),
    path("grants/", include("api.v1.grants.urls")),
    path("payouts/", include("api.v1.payouts.urls")),
    path("transparency/", include("api.v1.transparency.urls")),
    path("reports/", include("api.v1.reports.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
