"""Initial schema: users, follows, articles, tags, favorites and comments."""

import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import cascading_reference, guid, numbered_id, orm_sentinel, timestamps

revision = "656fa7ce9850"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "tags",
        numbered_id(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "users",
        guid("id"),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("bio", sa.Text(), nullable=True),
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
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
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

    op.create_table(
        "follows",
        guid("follower_id"),
        guid("followed_id"),
        cascading_reference("follows", "followed_id", "users"),
        cascading_reference("follows", "follower_id", "users"),
        sa.PrimaryKeyConstraint("follower_id", "followed_id", name=op.f("pk_follows")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index("ix_follows_followed_id", ["followed_id"], unique=False)

    op.create_table(
        "article_tags",
        guid("article_id"),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        cascading_reference("article_tags", "article_id", "articles"),
        cascading_reference("article_tags", "tag_id", "tags"),
        sa.PrimaryKeyConstraint("article_id", "tag_id", name=op.f("pk_article_tags")),
    )
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.create_index("ix_article_tags_tag_id", ["tag_id"], unique=False)

    op.create_table(
        "comments",
        numbered_id(),
        sa.Column("body", sa.Text(), nullable=False),
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

    op.create_table(
        "favorites",
        guid("user_id"),
        guid("article_id"),
        cascading_reference("favorites", "article_id", "articles"),
        cascading_reference("favorites", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "article_id", name=op.f("pk_favorites")),
    )
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.create_index("ix_favorites_article_id", ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.drop_index("ix_favorites_article_id")

    op.drop_table("favorites")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_author_id"))
        batch_op.drop_index("ix_comments_article_id_created_at")

    op.drop_table("comments")
    with op.batch_alter_table("article_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_article_tags_tag_id")

    op.drop_table("article_tags")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_followed_id")

    op.drop_table("follows")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_created_at")
        batch_op.drop_index("ix_articles_author_id_created_at")

    op.drop_table("articles")
    op.drop_table("users")
    op.drop_table("tags")
