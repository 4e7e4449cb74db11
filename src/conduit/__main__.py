"""The ``conduit`` console script (also ``python -m conduit``).

Every failure ends in one line on standard error and a non-zero exit, never a traceback; failures an
operator can fix (a database without Conduit's tables, a SQLite file that cannot be created) say how.
"""

import re
import sys

import click

from conduit.cli import conduit
from conduit.lib.settings import ImproperlyConfiguredError, Settings

_MISSING_DATABASE = re.compile(r'database "(?P<name>[^"]+)" does not exist')
_MISSING_TABLE = re.compile(r'relation "[^"]+" does not exist|no such table: \S+')
_PREFIXES = re.compile(r"^(?:\w+(?:\.\w+)*(?:Error|Exception): |Error: )+")


def describe_failure(exc: BaseException) -> str:
    """One line saying what went wrong (and, when it is clear, what to do), for an operator.

    Database errors are described by the driver's error they wrap (Advanced Alchemy's own message says
    only "There was an issue processing the statement"); other errors by their own message.
    """
    from conduit.lib.database import describe_cause  # only a failing command pays for importing it

    innermost = describe_cause(exc)
    detail = _PREFIXES.sub("", innermost.partition(": ")[2])
    if _MISSING_TABLE.search(detail):
        return f"the database has no Conduit tables yet ({detail}): run 'conduit database upgrade' first"
    if missing := _MISSING_DATABASE.search(detail):
        return f"{detail}: create it first (createdb {missing['name']}), then run 'conduit database upgrade'"
    if "unable to open database file" in detail:
        return "cannot open the SQLite database file: its folder must exist and be writable (see DATABASE_URL)"
    if type(exc).__module__.startswith(("sqlalchemy", "advanced_alchemy")):
        return innermost
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {_PREFIXES.sub('', lines[0])}" if lines else type(exc).__name__


def main() -> None:
    try:
        Settings.from_env()
    except ImproperlyConfiguredError as exc:
        sys.exit(f"conduit: configuration error: {exc}")
    try:
        result = conduit.main(prog_name="conduit", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit("conduit: aborted")
    except click.UsageError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        sys.exit(f"conduit: error: {_PREFIXES.sub('', exc.format_message())}")
    except ImproperlyConfiguredError as exc:
        sys.exit(f"conduit: configuration error: {exc}")
    except Exception as exc:  # the operator gets one line, not a traceback
        sys.exit(f"conduit: error: {describe_failure(exc)}")
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
