"""Atom feeds of the newest articles: the whole site's, a tag's, an author's, and a person's private feed.

Feeds are read by feed readers, not browsers: no session, no CSRF cookie, GET and HEAD only. Each answers a
conditional request (``If-None-Match``, or without it ``If-Modified-Since``) with a 304 after one small
statement that reads the ids and update times of the entries the feed would show; only a feed that changed
reads the articles' bodies, and a request that is not conditional reads them straight away.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from uuid import NAMESPACE_URL, uuid5

from litestar import Controller, Request, Response, route
from litestar.enums import HttpMethod
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from conduit.articles.deps import Articles
from conduit.articles.queries import EPOCH
from conduit.db.statements import ResultRow
from conduit.users.deps import Users
from conduit.web.atom import ATOM_MEDIA_TYPE, FeedHead, Person, atom_document, profile_url

FEED_FILE = "feed.atom"
"""The last segment of every feed's path (the session middleware skips paths ending so)."""
FEED_ENTRIES = 20
"""How many of the newest articles a feed shows."""
FEED_FORMAT = 1
"""Part of every ETag: raise it when the documents change shape, so that readers fetch them again."""
PUBLIC_CACHING = "public, max-age=300"
PRIVATE_CACHING = "private, no-cache"
"""A private feed is never kept by a shared cache, and always revalidated: a replaced address is dead at once."""
FEED_METHODS = [HttpMethod.GET, HttpMethod.HEAD]
CONDITIONS = ("if-none-match", "if-modified-since")
"""The headers of a conditional request: only one sending either is first asked whether it holds the feed."""
SITE = Person("Conduit")


@dataclass(frozen=True)
class Version:
    """Which version of a feed a response carries: its ETag and when it last changed."""

    etag: str
    last_modified: datetime

    @classmethod
    def of(cls, identity: str, rows: Sequence[ResultRow], changed: datetime | None) -> "Version":
        """The version of the feed ``identity`` showing ``rows`` (read with or without bodies alike).

        Args:
            identity: What else the document depends on: the feed's address (and so the site's).
            rows: The entries: ids, and when each article and its author last changed.
            changed: When the person the feed is about last changed, if it is about one.
        """
        moments = [moment for row in rows for moment in (row["updated_at"], row["author_updated_at"])]
        if changed is not None:
            moments.append(changed)
        parts = [f"{FEED_FORMAT}", identity, *(f"{row['id']}" for row in rows), *(f"{m.timestamp()}" for m in moments)]
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
        last_modified = max(moments, default=EPOCH).replace(microsecond=0)
        return cls(f'"{digest}"', last_modified)

    def headers(self, caching: str) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Last-Modified": format_datetime(self.last_modified, usegmt=True),
            "Cache-Control": caching,
        }

    def known_to(self, request: Request[Any, Any, Any]) -> bool:
        """Whether the client already holds this version: its ``If-None-Match`` names the ETag, or (only when
        it sends no ``If-None-Match``, as RFC 9110 has it) its ``If-Modified-Since`` is not older than the
        last change."""
        if (tags := request.headers.get("if-none-match")) is not None:
            named = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
            return "*" in named or self.etag in named
        if (since := request.headers.get("if-modified-since")) is not None:
            try:
                moment = parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            return moment.tzinfo is not None and self.last_modified <= moment
        return False


class FeedController(Controller):
    """The Atom feeds; see the module's docstring."""

    include_in_schema = False

    @route(f"/{FEED_FILE}", http_method=FEED_METHODS, name="site_feed")
    async def site(
        self, request: Request[Any, Any, Any], articles_service: Articles, tag: FromQuery[str | None] = None
    ) -> Response[bytes]:
        """The newest articles of the whole site, or with ``?tag=``, those filed under the tag (a tag nobody
        used yet has an empty feed, so that it can be subscribed to before its first article)."""
        base = base_url(request)
        tag = tag or None
        if tag is None:
            head = FeedHead("Conduit", f"{base}/{FEED_FILE}", f"{base}/", SITE)
        else:
            query = f"?tag={quote(tag, safe='')}"
            head = FeedHead(f"Conduit: articles tagged {tag}", f"{base}/{FEED_FILE}{query}", f"{base}/{query}", SITE)
        return await answer(request, head, PUBLIC_CACHING, articles_service, {"tag": tag})

    @route(f"/profile/{{username:str}}/{FEED_FILE}", http_method=FEED_METHODS, name="author_feed")
    async def author(
        self, request: Request[Any, Any, Any], username: FromPath[str], users_service: Users, articles_service: Articles
    ) -> Response[bytes]:
        """The newest articles by the person called ``username`` (404 when nobody is)."""
        author = await users_service.get_by_username(username)
        page = profile_url(base_url(request), author.username)
        name = author.username
        head = FeedHead(f"Conduit: articles by {name}", f"{page}/{FEED_FILE}", page, Person(name, page))
        filters = {"author": name}
        return await answer(request, head, PUBLIC_CACHING, articles_service, filters, changed=author.updated_at)

    @route(f"/private/{{token:str}}/{FEED_FILE}", http_method=FEED_METHODS, name="private_feed")
    async def private(
        self, request: Request[Any, Any, Any], token: FromPath[str], users_service: Users, articles_service: Articles
    ) -> Response[bytes]:
        """The newest articles by the authors the token's owner follows (404 for a replaced token, or once the
        account is disabled)."""
        owner = await users_service.feed_owner(token)
        base = base_url(request)
        head = FeedHead(
            f"Conduit: {owner.username}'s feed",
            private_feed_url(base, token),
            f"{base}/?feed=you",
            SITE,
            id=f"urn:uuid:{uuid5(NAMESPACE_URL, f'conduit:private-feed:{owner.id}')}",  # the address changes
        )
        response = await answer(
            request, head, PRIVATE_CACHING, articles_service, {"followed_by": owner}, changed=owner.updated_at
        )
        response.headers["X-Robots-Tag"] = "noindex"
        return response


def base_url(request: Request[Any, Any, Any]) -> str:
    """The site's address as the client reached it (through a proxy: the scheme and host it forwarded)."""
    return str(request.base_url).rstrip("/")


def private_feed_url(base: str, token: str) -> str:
    """The address of the private feed ``token`` opens."""
    return f"{base}/private/{token}/{FEED_FILE}"


async def answer(
    request: Request[Any, Any, Any],
    head: FeedHead,
    caching: str,
    articles_service: Articles,
    filters: dict[str, Any],
    *,
    changed: datetime | None = None,
) -> Response[bytes]:
    """The feed ``head`` of the newest articles matching ``filters``, or a 304 when the client holds it already."""
    identity = f"{head.self_url}\n{head.title}"
    if any(header in request.headers for header in CONDITIONS):
        versions = await articles_service.newest(**filters, limit=FEED_ENTRIES, with_body=False)
        if (version := Version.of(identity, versions, changed)).known_to(request):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=version.headers(caching))
    rows = await articles_service.newest(**filters, limit=FEED_ENTRIES, with_body=True)
    version = Version.of(identity, rows, changed)  # an article may have changed since the versions were read
    document = atom_document(head, version.last_modified, rows, base_url(request))
    headers = version.headers(caching)
    if request.method == HttpMethod.HEAD:
        headers["Content-Length"] = str(len(document))
        document = b""
    return Response(document, status_code=HTTP_200_OK, media_type=f"{ATOM_MEDIA_TYPE}; charset=utf-8", headers=headers)
