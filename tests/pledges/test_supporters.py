"""Public supporters: a name only when its donor chose to show it, never an e-mail, nothing anonymous."""

from rest_framework.test import APIClient

from pledges.models import Pledge
from tests.pledges.helpers import CAMPAIGNS, deliver


def _paid(fake_stripe, pledge_card, client) -> None:
    answer = pledge_card(client=client)
    pledge = Pledge.objects.get(public_id=answer["id"])
    assert (
        deliver(
            fake_stripe.checkout_complete(
                pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
            )
        ).status_code
        == 200
    )


def test_only_names_their_donors_chose_to_show_are_listed(fake_stripe, campaign, pledge_card, sign_up):
    shown = sign_up("shown", display_name="Zeyneb", show_name=True, email="zeyneb@example.org")
    hidden = sign_up("hidden", display_name="Hidden Person", email="hidden@example.org")
    pledged_only = sign_up("pledged", display_name="Not Yet Paid", show_name=True)
    for client in (shown, hidden, APIClient()):
        _paid(fake_stripe, pledge_card, client)
    pledge_card(client=pledged_only)  # no money yet: not a supporter
    response = APIClient().get(f"{CAMPAIGNS}{campaign.slug}/supporters/")
    assert response.status_code == 200
    assert response.json() == {"named": ["Zeyneb"], "others": 2}
    public = response.content.decode() + APIClient().get(f"{CAMPAIGNS}{campaign.slug}/").content.decode()
    for secret in ("Hidden Person", "Not Yet Paid", "@example.org", "hidden", "shown"):
        assert secret not in public
    assert shown.patch("/api/v1/me/profile/", {"show_name": False}, format="json").status_code == 200
    assert APIClient().get(f"{CAMPAIGNS}{campaign.slug}/supporters/").json() == {"named": [], "others": 3}


def test_an_unknown_campaign_has_no_supporters_list(db):
    response = APIClient().get(f"{CAMPAIGNS}nope/supporters/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_list_is_throttled_per_address_and_a_refused_read_opens_no_name(
    fake_stripe, campaign, pledge_card, sign_up
):
    """Each answer decrypts the named donors' names and logs it: a scraper must not get unlimited ones."""
    from rest_framework.throttling import ScopedRateThrottle

    from vault.models import AccessLog

    assert ScopedRateThrottle.THROTTLE_RATES["campaign-supporters"] == "60/minute"
    _paid(fake_stripe, pledge_card, sign_up("shown", display_name="Zeyneb", show_name=True))
    answers = [APIClient().get(f"{CAMPAIGNS}{campaign.slug}/supporters/") for _ in range(61)]
    assert [a.status_code for a in answers[:60]] == [200] * 60
    opened = AccessLog.objects.filter(purpose="public_listing").count()

    assert (answers[60].status_code, answers[60].json()["code"]) == (429, "throttled")
    assert APIClient().get(f"{CAMPAIGNS}{campaign.slug}/supporters/").status_code == 429
    assert AccessLog.objects.filter(purpose="public_listing").count() == opened == 60


def test_a_database_login_cannot_name_a_donor_who_never_agreed(fake_stripe, campaign, pledge_card, sign_up):
    """The insider's attack: the runtime login may write rows but holds no key.

    Flipping `show_name`, or copying the sealed display name into the public
    column, names nobody; neither does the donor's next unrelated edit turn the
    flipped flag into consent.
    """
    from pledges.models import DonorProfile

    agreed = sign_up("agreed", display_name="Rana", show_name=True)
    private = sign_up("private", display_name="Never Shown")
    for client in (agreed, private):
        _paid(fake_stripe, pledge_card, client)
    supporters = f"{CAMPAIGNS}{campaign.slug}/supporters/"
    victim = DonorProfile.objects.get(user__username="private")

    DonorProfile.objects.filter(pk=victim.pk).update(show_name=True)
    assert APIClient().get(supporters).json() == {"named": ["Rana"], "others": 1}
    assert private.patch("/api/v1/me/profile/", {"country": "DE"}, format="json").status_code == 200
    assert APIClient().get(supporters).json() == {"named": ["Rana"], "others": 1}

    DonorProfile.objects.filter(pk=victim.pk).update(public_name_sealed=victim.name_sealed)
    listed = APIClient().get(supporters)
    assert listed.json() == {"named": ["Rana"], "others": 1}
    rana = DonorProfile.objects.get(user__username="agreed")
    DonorProfile.objects.filter(pk=victim.pk).update(public_name_sealed=rana.public_name_sealed)
    assert APIClient().get(supporters).json() == {"named": ["Rana"], "others": 1}
    assert "Never Shown" not in listed.content.decode()


def test_a_donor_who_agrees_and_renames_is_listed_under_the_new_name(
    fake_stripe, campaign, pledge_card, sign_up
):
    donor = sign_up("renamer", display_name="Old Name")
    _paid(fake_stripe, pledge_card, donor)
    supporters = f"{CAMPAIGNS}{campaign.slug}/supporters/"
    assert APIClient().get(supporters).json() == {"named": [], "others": 1}
    assert donor.patch("/api/v1/me/profile/", {"show_name": True}, format="json").status_code == 200
    assert APIClient().get(supporters).json() == {"named": ["Old Name"], "others": 0}
    assert donor.patch("/api/v1/me/profile/", {"display_name": "New Name"}, format="json").status_code == 200
    assert APIClient().get(supporters).json() == {"named": ["New Name"], "others": 0}
