"""Pledges' Python interface for other apps (reports): campaigns, their progress, contributions."""

from pledges.selectors import CampaignProgress, campaign_list, campaign_progress, contribution_list

__all__ = ["CampaignProgress", "campaign_list", "campaign_progress", "contribution_list"]
