"""System checks refuse Stripe settings that would take money the books never see, or leak the key."""

from pledges.checks import stripe_settings_check


def test_a_secret_key_without_a_webhook_secret_is_an_error(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert [m.id for m in stripe_settings_check()] == ["pledges.E001"]


def test_a_secret_key_sent_over_plain_http_to_another_host_is_an_error(settings):
    settings.STRIPE_API_BASE = "http://stripe.example.org"
    assert [m.id for m in stripe_settings_check()] == ["pledges.E002"]


def test_no_stripe_at_all_and_the_tests_fake_on_localhost_are_fine(settings):
    assert stripe_settings_check() == []
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert stripe_settings_check() == []
