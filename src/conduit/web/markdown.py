"""Article bodies: Markdown rendered to HTML, then sanitized."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "code": {"class"}}
_ALIGNMENTS = ("left", "center", "right")
_ALIGNMENT_CLASSES = {f"align-{alignment}" for alignment in _ALIGNMENTS}
"""A table column's alignment, as a class of its cells: the Content-Security-Policy forbids inline styles."""


def render_markdown(text: str) -> Markup:
    """HTML for ``text``: raw HTML in the source is escaped, and only harmless tags, attributes and URLs survive."""
    env: dict[str, object] = {}
    tokens = _markdown.parse(text, env)
    for token in tokens:
        if token.type in {"th_open", "td_open"} and (style := token.attrs.pop("style", None)):
            alignment = str(style).removeprefix("text-align:")
            if alignment in _ALIGNMENTS:
                token.attrSet("class", f"align-{alignment}")
    return Markup(  # noqa: S704  # sanitized just here
        nh3.clean(
            _markdown.renderer.render(tokens, _markdown.options, env),
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            allowed_classes={"th": _ALIGNMENT_CLASSES, "td": _ALIGNMENT_CLASSES},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
