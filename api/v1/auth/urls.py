from django.urls import path

from api.v1.auth import views

urlpatterns = [
    path("token/", views.TokenView.as_view(), name="auth-token"),
]
