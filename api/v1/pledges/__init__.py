"""Campaigns, pledges, contributions and Stripe's webhook over HTTP."""
