"""Pledges' writes, split by job; each function is one database transaction."""

from pledges.services.campaigns import campaign_create
from pledges.services.donors import pledge_donor_erase, pledge_email_open, pledge_erase_by_manage_code
from pledges.services.pledges import (
    NewPledge,
    pledge_cancel,
    pledge_cancel_by_manage_code,
    pledge_checkout_start,
    pledge_create,
    pledge_give,
)
from pledges.services.profiles import (
    ProfileView,
    donor_account_close,
    donor_erase,
    donor_profile_open,
    donor_profile_update,
    donor_register,
)
from pledges.services.receipts import receipt_email_retry, receipt_issue, receipt_send
from pledges.services.refunds import refund_request
from pledges.services.treasury import contribution_match, contribution_record, contribution_refund_record
from pledges.services.webhooks import stripe_event_receive, stripe_event_replay, webhook_event_verify

__all__ = [
    "NewPledge",
    "ProfileView",
    "campaign_create",
    "contribution_match",
    "contribution_record",
    "contribution_refund_record",
    "donor_account_close",
    "donor_erase",
    "donor_profile_open",
    "donor_profile_update",
    "donor_register",
    "pledge_cancel",
    "pledge_cancel_by_manage_code",
    "pledge_checkout_start",
    "pledge_create",
    "pledge_donor_erase",
    "pledge_email_open",
    "pledge_erase_by_manage_code",
    "pledge_give",
    "receipt_email_retry",
    "receipt_issue",
    "receipt_send",
    "refund_request",
    "stripe_event_receive",
    "stripe_event_replay",
    "webhook_event_verify",
]
