"""Initial schema: users, follows, articles, tags, favorites and comments."""

import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import (
    cascading_reference,
    create_link_table,
    drop_link_table,
    guid,
    numbered_id,
    orm_sentinel,
    string,
    text,
    timestamps,
)

revision = "656fa7ce9850"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "tags",
        numbered_id(),
        string("name", 64),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "users",
        guid("id"),
        string("username", 64),
        string("email", 254),
        string("password_hash", 255),
        text("bio", nullable=True),
        sa.Column("image", sa.String(length=2048), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        orm_sentinel(),
        *timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "articles",
        guid("id"),
        string("slug", 255),
        string("title", 255),
        text("description"),
        text("body"),
        guid("author_id"),
        orm_sentinel(),
        *timestamps(),
        cascading_reference("articles", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_articles_slug")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.create_index("ix_articles_created_at", ["created_at"], unique=False)

    create_link_table("follows", guid("follower_id"), "users", guid("followed_id"), "users")
    tag_id = sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)
    create_link_table("article_tags", guid("article_id"), "articles", tag_id, "tags")
    op.create_table(
        "comments",
        numbered_id(),
        text("body"),
        guid("article_id"),
        guid("author_id"),
        *timestamps(),
        cascading_reference("comments", "article_id", "articles"),
        cascading_reference("comments", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_article_id_created_at", ["article_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_author_id"), ["author_id"], unique=False)

    create_link_table("favorites", guid("user_id"), "users", guid("article_id"), "articles")


def downgrade() -> None:
    drop_link_table("favorites", "article_id")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_author_id"))
        batch_op.drop_index("ix_comments_article_id_created_at")

    op.drop_table("comments")
    drop_link_table("article_tags", "tag_id")
    drop_link_table("follows", "followed_id")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_created_at")
        batch_op.drop_index("ix_articles_author_id_created_at")

    op.drop_table("articles")
    op.drop_table("users")
    op.drop_table("tags")
