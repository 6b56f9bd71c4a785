"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("web.urls")),
]

# Under /api/ these answer with RFC 9457 problem documents; elsewhere, Django's pages.
handler404 = "api.exceptions.page_not_found"
handler500 = "api.exceptions.server_error"
