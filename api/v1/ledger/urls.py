"""URL routes of the ledger endpoints."""

from django.urls import path

from api.v1.ledger import checkpoints, funds, periods, views

urlpatterns = [
    path("accounts/", views.AccountListView.as_view(), name="ledger-account-list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="ledger-account-detail"),
    path(
        "accounts/<int:pk>/statement/", views.AccountStatementView.as_view(), name="ledger-account-statement"
    ),
    path("funds/", funds.FundListCreateView.as_view(), name="ledger-fund-list"),
    path("funds/<int:pk>/", funds.FundDetailView.as_view(), name="ledger-fund-detail"),
    path("fund-balances/", views.FundBalancesView.as_view(), name="ledger-fund-balances"),
    path("entries/", views.EntryListCreateView.as_view(), name="ledger-entry-list"),
    path("entries/<int:pk>/", views.EntryDetailView.as_view(), name="ledger-entry-detail"),
    path("entries/<int:pk>/reverse/", views.EntryReverseView.as_view(), name="ledger-entry-reverse"),
    path("periods/", periods.ClosedPeriodListCreateView.as_view(), name="ledger-period-list"),
    path("balances/", views.BalanceListView.as_view(), name="ledger-balance-list"),
    path("trial-balance/", views.TrialBalanceView.as_view(), name="ledger-trial-balance"),
    path("chain/head/", views.ChainHeadView.as_view(), name="ledger-chain-head"),
    path("checkpoints/", checkpoints.SignedCheckpointListView.as_view(), name="ledger-checkpoint-list"),
    path("public-key/", checkpoints.PublicKeyView.as_view(), name="ledger-public-key"),
]
