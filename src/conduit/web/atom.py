"""Atom 1.0 documents (RFC 4287) of articles, built with ElementTree so that every value is escaped."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from conduit.db.statements import ResultRow
from conduit.web.markdown import render_markdown

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
_NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 has no place for (most control characters, lone surrogates, U+FFFE and U+FFFF)."""


@dataclass(frozen=True)
class Person:
    """An Atom author: a name, and the address of their profile page when they have one."""

    name: str
    uri: str | None = None


@dataclass(frozen=True)
class FeedHead:
    """What a feed says about itself."""

    title: str
    self_url: str
    page_url: str
    """The web page showing the same articles."""
    author: Person
    id: str | None = None
    """What the feed is known by (by default, its address)."""


def xml_text(value: str) -> str:
    """``value`` without the characters an XML 1.0 document cannot hold."""
    return _NOT_IN_XML.sub("", value)


def atom_date(moment: datetime) -> str:
    """An RFC 3339 timestamp in UTC, to the second: ``2026-11-25T22:15:17Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def profile_url(base_url: str, username: str) -> str:
    return f"{base_url}/profile/{quote(username, safe='')}"


def atom_document(head: FeedHead, updated: datetime, rows: Sequence[ResultRow], base_url: str) -> bytes:
    """The feed ``head`` with one entry per article row (body included), as UTF-8 XML.

    Entries are identified by the article's id (``urn:uuid:``), which outlives a change of title and slug; their
    content is the article's body rendered and sanitized exactly as the article page shows it.
    """
    feed = ET.Element("feed", {"xmlns": ATOM_NAMESPACE})
    _text(feed, "id", head.id or head.self_url)
    _text(feed, "title", head.title)
    _text(feed, "updated", atom_date(updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": ATOM_MEDIA_TYPE, "href": xml_text(head.self_url)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": xml_text(head.page_url)})
    _person(feed, head.author)
    _text(feed, "generator", "Conduit")
    for row in rows:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", f"urn:uuid:{row['id']}")
        _text(entry, "title", row["title"])
        article_url = f"{base_url}/article/{quote(row['slug'], safe='')}"
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": xml_text(article_url)})
        _text(entry, "published", atom_date(row["created_at"]))
        _text(entry, "updated", atom_date(row["updated_at"]))
        _person(entry, Person(row["author_username"], profile_url(base_url, row["author_username"])))
        for tag in row["tag_list"] or []:
            ET.SubElement(entry, "category", {"term": xml_text(tag)})
        _text(entry, "summary", row["description"]).set("type", "text")
        _text(entry, "content", str(render_markdown(row["body"]))).set("type", "html")
    ET.indent(feed)  # one element a line: readable where a browser shows the document as text
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_text(text)
    return element


def _person(parent: ET.Element, person: Person) -> None:
    author = ET.SubElement(parent, "author")
    _text(author, "name", person.name)
    if person.uri:
        _text(author, "uri", person.uri)
