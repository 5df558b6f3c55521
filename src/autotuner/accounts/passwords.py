"""Passwords: hashed with Argon2id (argon2-cffi), never stored, logged or returned."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from autotuner.core.errors import ValidationFailed

MIN_LENGTH = 8
# Hashing is deliberately slow; a bound keeps a request from making it slower still.
MAX_LENGTH = 1024

_hasher = PasswordHasher()


def check_rules(password: str) -> None:
    """Refuse a password too short or too long to accept (the sentence never repeats it)."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"The password is too long: use at most {MAX_LENGTH} characters.")
    if not password.strip():
        raise ValidationFailed("The password is only spaces: choose one with letters, digits or signs.")


def hash_password(password: str) -> str:
    check_rules(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    return _hasher.hash("a password no account has")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``. With no hash (an unknown user) a stand-in is
    checked, so that an unknown name takes as long to refuse as a wrong password."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _stand_in_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at sign-in)."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
