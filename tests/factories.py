"""Test data: valid request payloads, with realistic made-up values."""

import itertools

from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from conduit.articles.schemas import NewArticle
from conduit.users.schemas import NewUser

_numbers = itertools.count(1)


def _no_tags() -> list[str]:
    return []


class NewUserFactory(MsgspecFactory[NewUser]):
    __check_model__ = False

    username = Use(lambda: f"{NewUserFactory.__faker__.user_name()}{next(_numbers)}")
    email = Use(lambda: f"{NewUserFactory.__faker__.user_name()}{next(_numbers)}@example.org")
    password = Use(lambda: NewUserFactory.__faker__.password(length=14))


class NewArticleFactory(MsgspecFactory[NewArticle]):
    __check_model__ = False

    title = Use(lambda: f"{NewArticleFactory.__faker__.sentence(nb_words=5).rstrip('.')} {next(_numbers)}")
    description = Use(lambda: NewArticleFactory.__faker__.sentence(nb_words=10))
    body = Use(lambda: NewArticleFactory.__faker__.paragraph(nb_sentences=5))
    tag_list = Use(_no_tags)
