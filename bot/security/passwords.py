"""Password hashing (PBKDF2-SHA256 from the standard library)."""
from __future__ import annotations

import hashlib
import hmac
import os

ITERATIONS = 200_000
# What an unknown account's password is checked against: the same work as a real check, so
# the time of a refusal does not tell whether the account exists.
_DUMMY_SALT = os.urandom(16)
_DUMMY_DIGEST = "0" * 64


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A self-describing hash: pbkdf2_sha256$iterations$salt$digest (hex)."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check of `password` against a stored hash. With no (or an unreadable)
    stored hash — an unknown account — it does the same work and answers False."""
    try:
        scheme, iterations, salt, digest = (stored or "").split("$")
        rounds, salt_bytes = int(iterations), bytes.fromhex(salt)
        if scheme != "pbkdf2_sha256" or not 0 < rounds <= 10 * ITERATIONS:
            raise ValueError(scheme)
    except ValueError:
        rounds, salt_bytes, digest = ITERATIONS, _DUMMY_SALT, _DUMMY_DIGEST
        stored = None
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt_bytes, rounds)
    return hmac.compare_digest(candidate.hex(), digest) and stored is not None
