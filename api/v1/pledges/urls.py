"""URL routes of campaigns, pledges, contributions and Stripe's webhook."""

from django.urls import path

from api.v1.pledges import donor_views, views, webhook

urlpatterns = [
    path("campaigns/", views.CampaignListCreateView.as_view(), name="campaign-list"),
    path("campaigns/<slug:slug>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path(
        "campaigns/<slug:slug>/supporters/",
        donor_views.CampaignSupportersView.as_view(),
        name="campaign-supporters",
    ),
    path("pledges/", views.PledgeListCreateView.as_view(), name="pledge-list"),
    path("pledges/manage/", donor_views.ManageStatusView.as_view(), name="pledge-manage"),
    path("pledges/manage/cancel/", donor_views.ManageCancelView.as_view(), name="pledge-manage-cancel"),
    path("pledges/manage/erase/", donor_views.ManageEraseView.as_view(), name="pledge-manage-erase"),
    path("pledges/<uuid:pk>/", views.PledgeDetailView.as_view(), name="pledge-detail"),
    path("pledges/<uuid:pk>/cancel/", views.PledgeCancelView.as_view(), name="pledge-cancel"),
    path("pledges/<uuid:pk>/erase/", views.PledgeEraseView.as_view(), name="pledge-erase"),
    path("contributions/", views.ContributionListCreateView.as_view(), name="contribution-list"),
    path(
        "contributions/unmatched/",
        views.ContributionUnmatchedListView.as_view(),
        name="contribution-unmatched-list",
    ),
    path("contributions/<uuid:pk>/match/", views.ContributionMatchView.as_view(), name="contribution-match"),
    path(
        "contributions/<uuid:pk>/bank-refund/",
        views.ContributionBankRefundView.as_view(),
        name="contribution-bank-refund",
    ),
    path(
        "contributions/<uuid:pk>/refund/", views.ContributionRefundView.as_view(), name="contribution-refund"
    ),
    path("receipts/undelivered/", views.UndeliveredReceiptListView.as_view(), name="receipt-undelivered"),
    path("receipts/<str:number>/resend/", views.ReceiptResendView.as_view(), name="receipt-resend"),
    path("donors/", donor_views.DonorRegisterView.as_view(), name="donor-register"),
    path("me/profile/", donor_views.DonorProfileView.as_view(), name="me-profile"),
    path("me/pledges/", donor_views.MyPledgeListView.as_view(), name="me-pledges"),
    path("me/contributions/", donor_views.MyContributionListView.as_view(), name="me-contributions"),
    path("me/receipts/", donor_views.MyReceiptListView.as_view(), name="me-receipts"),
    path("me/receipts/<str:number>/", donor_views.MyReceiptDetailView.as_view(), name="me-receipt"),
    path("me/receipts/<str:number>/pdf/", donor_views.MyReceiptPDFView.as_view(), name="me-receipt-pdf"),
    path("me/erase/", donor_views.DonorEraseView.as_view(), name="me-erase"),
    path("me/close/", donor_views.DonorCloseView.as_view(), name="me-close"),
    path("stripe/webhook/", webhook.StripeWebhookView.as_view(), name="stripe-webhook"),
]
