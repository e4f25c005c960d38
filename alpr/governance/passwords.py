"""Password hashing with scrypt (standard library); parameters travel inside the hash."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64); a fresh salt each time."""
    if len(password) < 10:
        raise ValueError("password: at least 10 characters are required")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${N}${R}${P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                         p=int(p), dklen=32)
    return hmac.compare_digest(got, base64.b64decode(digest))


@functools.cache
def unusable_hash() -> str:
    """A well-formed hash of a random password nobody knows: checking a sign-in for an
    unknown user against it takes as long as checking a real user's."""
    return hash_password(os.urandom(32).hex())
