"""The client address that django-axes counts failed sign-ins against."""

from django.http import HttpRequest
from rest_framework.settings import api_settings


def client_ip_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the declared proxies saw (as DRF's throttle reads it).

    X-Forwarded-For is believed only as far as DJANGO_NUM_PROXIES says, so a
    header the client writes itself cannot buy it a fresh count of failures.
    """
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = api_settings.NUM_PROXIES or 0
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote
