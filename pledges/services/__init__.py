"""Pledges' writes, split by job; each function is one database transaction."""

from pledges.services.campaigns import campaign_create
from pledges.services.donors import pledge_donor_erase, pledge_email_open
from pledges.services.pledges import pledge_cancel, pledge_checkout_start, pledge_create
from pledges.services.refunds import refund_request
from pledges.services.treasury import contribution_match, contribution_record, contribution_refund_record
from pledges.services.webhooks import stripe_event_receive, stripe_event_replay, webhook_event_verify

__all__ = [
    "campaign_create",
    "contribution_match",
    "contribution_record",
    "contribution_refund_record",
    "pledge_cancel",
    "pledge_checkout_start",
    "pledge_create",
    "pledge_donor_erase",
    "pledge_email_open",
    "refund_request",
    "stripe_event_receive",
    "stripe_event_replay",
    "webhook_event_verify",
]
