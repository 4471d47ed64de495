"""Password hashing for desk users: scrypt with a per-user salt, parameters kept in the hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from functools import cache

# OWASP's scrypt floor is N=2^17, r=8, p=1 or the same work as N=2^15, r=8, p=3 (used here:
# 32 MiB per hash instead of 128 MiB, ~0.2 s on this machine's cores).
N, R, P = 2**15, 8, 3
SALT_BYTES, KEY_BYTES = 16, 32
MIN_PASSWORD_LENGTH = 10
# At most two hashes run at once, so a burst of logins cannot take all memory or both cores.
_HASHING = threading.BoundedSemaphore(2)


class PasswordError(ValueError):
    """A password too weak to be set."""


@dataclass(frozen=True)
class _Parsed:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _HASHING:
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            maxmem=256 * r * n,  # 128*r*n is what scrypt needs; the rest is headroom
            dklen=KEY_BYTES,
        )


def check_strength(password: str) -> None:
    """Raises PasswordError when the password is too short or only one repeated character."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 4:
        raise PasswordError("a password needs at least 4 different characters")


def hash_password(password: str) -> str:
    """The stored form 'scrypt$N$r$p$salt$key' of a password, with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, N, R, P)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


def _parse(stored: str) -> _Parsed | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        return _Parsed(
            int(parts[1]), int(parts[2]), int(parts[3]), _unb64(parts[4]), _unb64(parts[5])
        )
    except ValueError:
        return None


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (compared in constant time)."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    key = _derive(password, parsed.salt, parsed.n, parsed.r, parsed.p)
    return hmac.compare_digest(key, parsed.key)


def needs_rehash(stored: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    parsed = _parse(stored)
    return parsed is None or parsed.n * parsed.r * parsed.p < N * R * P


@cache
def dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so a login takes as long either way
    and does not tell which addresses have accounts."""
    return hash_password(secrets.token_urlsafe(16))
