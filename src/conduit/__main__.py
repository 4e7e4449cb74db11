"""``conduit``: the Litestar command line with this application preselected.

Every failure ends in one line on standard error and a non-zero exit, never a traceback.
"""

import os
import sys

import click
from litestar.cli.main import litestar_group

from conduit.lib.settings import ImproperlyConfiguredError, Settings


def describe_failure(exc: BaseException) -> str:
    """One line saying what went wrong, for an operator."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def main() -> None:
    try:
        Settings.from_env()
    except ImproperlyConfiguredError as exc:
        sys.exit(f"conduit: configuration error: {exc}")
    os.environ["LITESTAR_APP"] = "conduit.app:create_app"
    try:
        result = litestar_group.main(prog_name="conduit", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit("conduit: aborted")
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:  # the operator gets one line, not a traceback
        sys.exit(f"conduit: error: {describe_failure(exc)}")
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
