"""URL routes of disbursements; one is named by its random reference only."""

from django.urls import path, register_converter

from api.v1.payouts import views


class DisbursementReferenceConverter:
    """A disbursement's random public reference: PO- and 16 base32 characters."""

    regex = "PO-[A-Z2-7]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DisbursementReferenceConverter, "payoutref")

ONE = "<payoutref:reference>/"

urlpatterns = [
    path("", views.DisbursementListCreateView.as_view(), name="payouts-list"),
    path(ONE, views.DisbursementDetailView.as_view(), name="payouts-detail"),
    path(f"{ONE}approve/", views.DisbursementApproveView.as_view(), name="payouts-approve"),
    path(f"{ONE}send/", views.DisbursementSendView.as_view(), name="payouts-send"),
    path(f"{ONE}fail/", views.DisbursementFailView.as_view(), name="payouts-fail"),
    path(f"{ONE}cancel/", views.DisbursementCancelView.as_view(), name="payouts-cancel"),
]
