"""One-time secret codes people copy and retype: a grant's claim code, a pledge's manage code.

160 random bits, shown once as 32 base32 characters in groups of four, and kept
only as a SHA-256 of the normalised code: with that much randomness a slow
password hash adds nothing, and lookups stay one indexed equality.
"""

import base64
import hashlib
import secrets


def secret_code_new() -> str:
    """160 random bits as 32 base32 characters in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def secret_code_normalize(code: str) -> str:
    """Codes are read aloud and retyped: case, spaces and dashes do not count."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def secret_code_digest(code: str) -> bytes:
    """SHA-256 of the normalised code."""
    return hashlib.sha256(secret_code_normalize(code).encode()).digest()
