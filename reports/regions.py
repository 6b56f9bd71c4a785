"""Coarse regions of the world: each ISO 3166-1 country in one UN M49 sub-region, named by CLDR.

Neither Babel nor pycountry ships the containment of countries in regions
(Babel keeps CLDR's region names, not its `territoryContainment`), so the
grouping is typed here, at CLDR's level: UN M49 sub-regions, with Sub-Saharan
Africa and Latin America split into their intermediate regions (Eastern Africa,
Caribbean, ...). Names come from Babel in the reader's language.
tests/reports/test_regions.py checks that every country pycountry knows is in
exactly one region.
"""

from babel import Locale, UnknownLocaleError

_MEMBERS: dict[str, str] = {
    "011": "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG",  # Western Africa
    "014": "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW",  # Eastern Africa
    "015": "DZ EG EH LY MA SD TN",  # Northern Africa
    "017": "AO CD CF CG CM GA GQ ST TD",  # Middle Africa
    "018": "BW LS NA SZ ZA",  # Southern Africa
    "021": "BM CA GL PM US",  # Northern America
    "013": "BZ CR GT HN MX NI PA SV",  # Central America
    "029": "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI",  # Caribbean
    "005": "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE",  # South America
    "030": "CN HK JP KP KR MN MO TW",  # Eastern Asia
    "034": "AF BD BT IN IR LK MV NP PK",  # Southern Asia
    "035": "BN ID KH LA MM MY PH SG TH TL VN",  # South-Eastern Asia
    "143": "KG KZ TJ TM UZ",  # Central Asia
    "145": "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE",  # Western Asia
    "151": "BG BY CZ HU MD PL RO RU SK UA",  # Eastern Europe
    "154": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",  # Northern Europe
    "039": "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA",  # Southern Europe
    "155": "AT BE CH DE FR LI LU MC NL",  # Western Europe
    "053": "AU CC CX HM NF NZ",  # Australia and New Zealand
    "054": "FJ NC PG SB VU",  # Melanesia
    "057": "FM GU KI MH MP NR PW UM",  # Micronesia
    "061": "AS CK NU PF PN TK TO TV WF WS",  # Polynesia
    "QO": "AQ",  # Outlying Oceania (CLDR's home for Antarctica)
}

REGION_OF: dict[str, str] = {
    country: region for region, members in _MEMBERS.items() for country in members.split()
}
REGIONS: tuple[str, ...] = tuple(_MEMBERS)
# A country missing from the table (a new ISO code) is grouped nowhere rather than guessed.
UNKNOWN_REGION = "ZZ"


def region_of(country: str) -> str:
    """The M49 code of the coarse region a country lies in (ZZ, "unknown region", if none)."""
    return REGION_OF.get(country, UNKNOWN_REGION)


def region_name(code: str, language: str = "en") -> str:
    """The region's name in `language` (CLDR, through Babel), English if Babel has no such locale."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return locale.territories.get(code) or Locale("en").territories.get(code, code)
