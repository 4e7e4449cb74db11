"""Password hashing with argon2id, off the event loop."""

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret

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
