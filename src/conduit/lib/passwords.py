"""Passwords: hashing with argon2id off the event loop, and the rule that refuses weak ones."""

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret

MIN_PASSWORD_LENGTH = 8
# OWASP's minimum for argon2id: 19 MiB of memory, two passes, one lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


async def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Tell whether ``password`` matches ``password_hash``.

    With no hash (an unknown account) the check still costs a full verification,
    so response times do not reveal which emails are registered.
    """
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash or _decoy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def hash_password_with_salt(password: str, salt: bytes) -> str:
    """The argon2id hash ``hash_password`` would give with this ``salt``; only for reproducible demo data."""
    return hash_secret(
        password.encode(),
        salt,
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
        hash_len=_hasher.hash_len,
        type=_hasher.type,
    ).decode()


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password that matches no account")


def password_weakness(password: str, *, refuse_common: bool = True) -> str | None:
    """Why ``password`` may not be used (too short, only spaces, or, with ``refuse_common``, among the most common
    passwords), or None when it may.

    The list is the 30,000 most common passwords that ships with zxcvbn (Dropbox's password strength estimator),
    compared without regard to case or surrounding spaces.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must have at least {MIN_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "must not be only spaces"
    if refuse_common and password.strip().lower() in _common_passwords():
        return "is too common; choose one that is harder to guess"
    return None


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a large module: loaded on first use

    return frozenset(FREQUENCY_LISTS["passwords"])
