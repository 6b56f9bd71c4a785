"""URL routes of the public transparency figures and feed."""

from django.urls import path

from api.v1.transparency import views

urlpatterns = [
    path("grants/", views.TransparencyGrantsView.as_view(), name="transparency-grants"),
    path("feed/", views.TransparencyFeedView.as_view(), name="transparency-feed"),
]
