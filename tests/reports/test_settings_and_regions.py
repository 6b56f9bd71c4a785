"""The threshold's guard and the region table: every country in exactly one region, named by CLDR."""

import pycountry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reports.checks import transparency_threshold_check
from reports.regions import _MEMBERS, REGION_OF, region_name, region_of


def test_a_threshold_below_two_is_refused_by_the_system_check(settings):
    settings.TRANSPARENCY_MIN_RECIPIENTS = 1
    assert [error.id for error in transparency_threshold_check()] == ["reports.E001"]
    try:
        call_command("check")
    except SystemCheckError as error:
        assert "reports.E001" in str(error)
    else:
        raise AssertionError("manage.py check passed with a threshold of 1")
    settings.TRANSPARENCY_MIN_RECIPIENTS = 2
    assert transparency_threshold_check() == []


def test_every_iso_country_lies_in_exactly_one_region():
    listed = [country for members in _MEMBERS.values() for country in members.split()]
    assert len(listed) == len(set(listed))
    assert set(listed) == {country.alpha_2 for country in pycountry.countries}
    assert (region_of("KE"), region_of("JM"), region_of("LB"), region_of("XX")) == ("014", "029", "145", "ZZ")
    assert set(REGION_OF.values()) == set(_MEMBERS)


def test_regions_are_named_in_the_readers_language():
    assert region_name("014") == "Eastern Africa"
    assert region_name("014", "ar") == "شرق أفريقيا"
    assert region_name("014", "es") == "África oriental"
    assert region_name("014", "xx") == "Eastern Africa"
