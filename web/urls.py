"""URL routes of the server-rendered pages."""

from django.urls import path

from web import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
