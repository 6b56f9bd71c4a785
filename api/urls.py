"""API v1 URL configuration."""

urlpatterns: list = []
