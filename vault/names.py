"""The shapes of the names the vault stores: field names, purposes and reasons, master key ids.

Purposes and reasons are short codes ("review", "retention"), never free text:
the access log is read by people who must not learn identifying data from it.
"""

import re

FIELD_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
PURPOSE_PATTERN = r"^[a-z][a-z0-9_.:-]{0,63}$"
KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"

FIELD_NAME = re.compile(FIELD_PATTERN)
PURPOSE = re.compile(PURPOSE_PATTERN)
KEY_ID = re.compile(KEY_ID_PATTERN)


def is_field_name(value: object) -> bool:
    return isinstance(value, str) and FIELD_NAME.fullmatch(value) is not None


def is_purpose(value: object) -> bool:
    return isinstance(value, str) and PURPOSE.fullmatch(value) is not None


def is_key_id(value: object) -> bool:
    return isinstance(value, str) and KEY_ID.fullmatch(value) is not None
