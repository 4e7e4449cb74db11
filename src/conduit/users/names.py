"""What an account may be called: no reserved names (in any case, or written with look-alike letters), one script
per name, and names kept in their NFKC form."""

import unicodedata

from conduit.db.models import canonical_username
from conduit.lib.exceptions import InvalidInputError

RESERVED_USERNAMES = frozenset(
    {
        *(".", ".."),
        *("login", "logout", "register", "signin", "signout", "signup", "settings", "editor", "new"),
        *("article", "articles", "profile", "profiles", "user", "users", "tag", "tags", "comments", "feed", "feeds"),
        *("api", "static", "docs", "search", "health", "metrics", "status", "favicon.ico", "robots.txt"),
        *("admin", "administrator", "root", "system", "support", "security", "moderator", "staff", "conduit"),
        *("null", "none", "undefined", "anonymous", "me", "you"),
    }
)
"""Usernames nobody may take: words of the site's own addresses, and names that suggest authority."""
_LATIN_LOOK_ALIKES = {
    "a": ("CYRILLIC A", "GREEK ALPHA"),
    "b": ("CYRILLIC VE", "GREEK BETA"),
    "c": ("CYRILLIC ES",),
    "d": ("CYRILLIC KOMI DE",),
    "e": ("CYRILLIC IE", "GREEK EPSILON"),
    "h": ("CYRILLIC EN", "CYRILLIC SHHA", "GREEK ETA"),
    "i": ("CYRILLIC BYELORUSSIAN-UKRAINIAN I", "GREEK IOTA"),
    "j": ("CYRILLIC JE",),
    "k": ("CYRILLIC KA", "GREEK KAPPA"),
    "m": ("CYRILLIC EM", "GREEK MU"),
    "n": ("GREEK NU",),
    "o": ("CYRILLIC O", "GREEK OMICRON"),
    "p": ("CYRILLIC ER", "GREEK RHO"),
    "q": ("CYRILLIC QA",),
    "s": ("CYRILLIC DZE",),
    "t": ("CYRILLIC TE", "GREEK TAU"),
    "v": ("CYRILLIC IZHITSA",),
    "w": ("CYRILLIC WE",),
    "x": ("CYRILLIC HA", "GREEK CHI"),
    "y": ("CYRILLIC U", "CYRILLIC STRAIGHT U", "GREEK UPSILON"),
    "z": ("GREEK ZETA",),
}
LATIN_LOOK_ALIKES = str.maketrans(
    {
        unicodedata.lookup(f"{script} {case} LETTER {letter}"): latin
        for latin, look_alikes in _LATIN_LOOK_ALIKES.items()
        for script, letter in (look_alike.split(" ", 1) for look_alike in look_alikes)
        for case in ("CAPITAL", "SMALL")
    }
)
"""Cyrillic and Greek letters that read (in one case or the other) as a Latin letter, mapped to it: how a reserved
name written with look-alikes (``admin`` with a Cyrillic ``a``) is still seen to be reserved."""
EAST_ASIAN_SCRIPTS = frozenset(
    {"CJK", "IDEOGRAPHIC", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO"}
)
"""Scripts written together in Chinese, Japanese and Korean names, and so counted as one."""
MAX_USERNAME_LENGTH = 64


def normalized_username(username: str) -> str:
    """``username`` in NFKC form: compatibility characters (full-width letters, ligatures) become plain ones.

    Raises:
        InvalidInputError: The normalized form is longer than a username may be.
    """
    normalized = unicodedata.normalize("NFKC", username)
    if len(normalized) > MAX_USERNAME_LENGTH:
        raise InvalidInputError("username", f"must have at most {MAX_USERNAME_LENGTH} characters")
    return normalized


def check_username(username: str) -> None:
    """Refuse a username that is reserved (also written in look-alike letters) or mixes scripts.

    Raises:
        InvalidInputError: The username is reserved or mixes scripts.
    """
    skeleton = canonical_username(username).translate(LATIN_LOOK_ALIKES)
    if skeleton in RESERVED_USERNAMES or not skeleton.strip("."):
        raise InvalidInputError("username", "is reserved")
    if len(scripts := _scripts(username)) > 1:
        *others, last = sorted(script.title() for script in scripts)
        raise InvalidInputError(
            "username", f"mixes {', '.join(others)} and {last} letters; use the letters of one script"
        )


def _scripts(username: str) -> set[str]:
    """The scripts of ``username``'s letters, each named by the first word of its letters' Unicode names."""
    scripts = {unicodedata.name(character, "UNNAMED").split()[0] for character in username if character.isalpha()}
    return {"CJK" if script in EAST_ASIAN_SCRIPTS else script for script in scripts}
