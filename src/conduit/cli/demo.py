"""Demo data: users, articles, tags, comments, follows and favorites, in realistic text.

Rows are generated from one seeded random generator, so the same seed gives the same
data, ids and timestamps included, and are written with bulk inserts in batches.
"""

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faker import Faker
from slugify import slugify
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from conduit.db.models import (
    SLUG_MAX_LENGTH,
    Article,
    Comment,
    Tag,
    User,
    article_tags,
    canonical_username,
    favorites,
    follows,
)
from conduit.db.statements import reset_identity_sequences
from conduit.lib.passwords import hash_password_with_salt

DEMO_PASSWORD = "conduit-demo"  # noqa: S105  # every demo account's password, documented in the README
BATCH_SIZE = 2_000
MAX_BOUND_VALUES = 32_767
"""The most values one statement may bind (PostgreSQL's protocol counts them in 16 bits)."""
TAG_POOL_SIZE = 40
FOLLOWS_PER_USER = 10
HEAVY_FOLLOWER_EVERY = 1_000
HEAVY_FOLLOWS_SHARE = 0.3
"""Every thousandth account (the first included) follows 30% of all accounts: the feed's hardest reader."""
FAVORITES_PER_USER = 15
COMMENTS_PER_ARTICLE = 1.5
TIME_SPAN = timedelta(days=365)

Progress = Callable[[str, int], None]
"""Told ``(table, rows just written)`` after every batch."""


@dataclass(frozen=True)
class DemoPlan:
    users: int
    articles: int
    seed: int
    now: datetime

    def follows_of(self, user: int) -> int:
        """How many accounts the account numbered ``user`` follows."""
        wanted = FOLLOWS_PER_USER
        if user % HEAVY_FOLLOWER_EVERY == 0:
            wanted = max(wanted, int(self.users * HEAVY_FOLLOWS_SHARE))
        return min(wanted, max(self.users - 1, 0))

    def row_counts(self) -> dict[str, int]:
        """Roughly how many rows each table receives, for progress bars."""
        favorites_total = min(self.users * FAVORITES_PER_USER, self.users * self.articles)
        return {
            "users": self.users,
            "follows": sum(self.follows_of(user) for user in range(self.users)),
            "tags": min(TAG_POOL_SIZE, self.articles * 4),
            "articles": self.articles,
            "article_tags": self.articles * 2,
            "favorites": favorites_total if self.articles else 0,
            "comments": int(self.articles * COMMENTS_PER_ARTICLE) if self.users else 0,
        }


def _uuid7(moment: datetime, rng: random.Random) -> uuid.UUID:
    """A version 7 UUID for ``moment`` whose random bits come from ``rng``."""
    milliseconds = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    value = (milliseconds << 80) | rng.getrandbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class DemoData:
    """Generates the rows of a plan, table by table, parents before children."""

    def __init__(self, plan: DemoPlan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)  # noqa: S311  # demo data, not secrets
        self.fake = Faker()
        self.fake.seed_instance(plan.seed)
        self.user_ids: list[uuid.UUID] = []
        self.user_created: list[datetime] = []
        self.article_ids: list[uuid.UUID] = []
        self.article_created: list[datetime] = []
        self.tag_ids: list[int] = []
        self.article_tag_rows: list[dict[str, Any]] = []

    def _moment(self, after: datetime) -> datetime:
        span = (self.plan.now - after).total_seconds()
        return after + timedelta(seconds=self.rng.uniform(0, max(span, 0)))

    def users(self) -> Iterator[dict[str, Any]]:
        password_hash = hash_password_with_salt(DEMO_PASSWORD, self.rng.randbytes(16))
        start = self.plan.now - TIME_SPAN
        for number in range(self.plan.users):
            created = self._moment(start)
            user_id = _uuid7(created, self.rng)
            self.user_ids.append(user_id)
            self.user_created.append(created)
            username = f"{self.fake.user_name()}{number}"
            yield {
                "id": user_id,
                "username": username,
                "canonical_username": canonical_username(username),
                "email": f"{username}@{self.fake.free_email_domain()}",
                "password_hash": password_hash,
                "bio": self.fake.sentence(nb_words=12) if self.rng.random() < 0.7 else None,
                "image": None,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }

    def follows(self) -> Iterator[dict[str, Any]]:
        for follower in range(len(self.user_ids)):
            wanted, chosen = self.plan.follows_of(follower), set[int]()
            while len(chosen) < wanted:
                candidate = self.rng.randrange(len(self.user_ids))
                if candidate != follower:
                    chosen.add(candidate)
            for followed in sorted(chosen):
                yield {"follower_id": self.user_ids[follower], "followed_id": self.user_ids[followed]}

    def tags(self) -> Iterator[dict[str, Any]]:
        names: set[str] = set()
        wanted = self.plan.row_counts()["tags"]
        while len(names) < wanted:
            names.add(self.fake.word().lower())
        self.tag_ids = list(range(1, wanted + 1))
        for tag_id, name in zip(self.tag_ids, sorted(names), strict=True):
            yield {"id": tag_id, "name": name}

    def articles(self) -> Iterator[dict[str, Any]]:
        slugs: set[str] = set()
        for _ in range(self.plan.articles):
            author = self.rng.randrange(len(self.user_ids))
            created = self._moment(self.user_created[author])
            article_id = _uuid7(created, self.rng)
            title = self.fake.sentence(nb_words=self.rng.randint(3, 8)).rstrip(".")
            slug = base = slugify(title, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "article"
            while slug in slugs:
                slug = f"{base}-{self.rng.getrandbits(24):06x}"
            slugs.add(slug)
            self.article_ids.append(article_id)
            self.article_created.append(created)
            for tag_id in self.rng.sample(self.tag_ids, min(self.rng.randint(0, 4), len(self.tag_ids))):
                self.article_tag_rows.append({"article_id": article_id, "tag_id": tag_id})
            edited = self._moment(created) if self.rng.random() < 0.2 else created
            yield {
                "id": article_id,
                "slug": slug,
                "title": title,
                "description": self.fake.sentence(nb_words=14),
                "body": "\n\n".join(self.fake.paragraphs(nb=self.rng.randint(2, 6))),
                "author_id": self.user_ids[author],
                "created_at": created,
                "updated_at": edited,
            }

    def article_tags(self) -> Iterator[dict[str, Any]]:
        yield from self.article_tag_rows

    def favorites(self) -> Iterator[dict[str, Any]]:
        per_user = min(FAVORITES_PER_USER, len(self.article_ids))
        for user_id in self.user_ids:
            for index in sorted(self.rng.sample(range(len(self.article_ids)), per_user)):
                yield {"user_id": user_id, "article_id": self.article_ids[index]}

    def comments(self) -> Iterator[dict[str, Any]]:
        for _ in range(self.plan.row_counts()["comments"]):
            index = self.rng.randrange(len(self.article_ids))
            created = self._moment(self.article_created[index])
            yield {
                "body": self.fake.paragraph(nb_sentences=self.rng.randint(1, 4)),
                "article_id": self.article_ids[index],
                "author_id": self.rng.choice(self.user_ids),
                "created_at": created,
                "updated_at": created,
            }


async def insert_demo_data(connection: AsyncConnection, plan: DemoPlan, progress: Progress) -> dict[str, int]:
    """Write the plan's rows through ``connection``; the caller owns the transaction.

    Returns:
        How many rows went into each table.
    """
    data = DemoData(plan)
    steps: list[tuple[Table, Callable[[], Iterator[dict[str, Any]]]]] = [
        (User.__table__, data.users),  # type: ignore[list-item]
        (follows, data.follows),
        (Tag.__table__, data.tags),  # type: ignore[list-item]
        (Article.__table__, data.articles),  # type: ignore[list-item]
        (article_tags, data.article_tags),
        (favorites, data.favorites),
        (Comment.__table__, data.comments),  # type: ignore[list-item]
    ]
    written: dict[str, int] = {}
    for table, rows in steps:
        written[table.name] = 0
        # Each row binds at most one value per column (defaults included), and a statement at most 32,767.
        for batch in _batches(rows(), min(BATCH_SIZE, MAX_BOUND_VALUES // len(table.columns))):
            await connection.execute(
                insert(table).values(batch)
            )  # one statement a batch: the counting triggers run once
            written[table.name] += len(batch)
            progress(table.name, len(batch))
    await reset_identity_sequences(connection)
    return written
