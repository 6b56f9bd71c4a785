"""URL routes of campaigns, pledges, contributions and Stripe's webhook."""

from django.urls import path

from api.v1.pledges import views, webhook

urlpatterns = [
    path("campaigns/", views.CampaignListCreateView.as_view(), name="campaign-list"),
    path("campaigns/<slug:slug>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("pledges/", views.PledgeListCreateView.as_view(), name="pledge-list"),
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
    path("stripe/webhook/", webhook.StripeWebhookView.as_view(), name="stripe-webhook"),
]
