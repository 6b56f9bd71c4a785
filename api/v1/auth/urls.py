"""Routes of the auth endpoints."""

from django.urls import path

from api.v1.auth import views

urlpatterns = [
    path("token/", views.TokenView.as_view(), name="auth-token"),
    path("otp/device/", views.OtpDeviceEnrolView.as_view(), name="auth-otp-device"),
    path("otp/device/confirm/", views.OtpDeviceConfirmView.as_view(), name="auth-otp-device-confirm"),
]
