"""``conduit``: the Litestar command line with this application preselected."""

import os
import sys

from litestar.__main__ import run_cli

from conduit.lib.settings import ImproperlyConfiguredError, get_settings


def main() -> None:
    try:
        get_settings()
    except ImproperlyConfiguredError as exc:
        sys.exit(f"conduit: configuration error: {exc}")
    os.environ["LITESTAR_APP"] = "conduit.app:create_app"
    run_cli()


if __name__ == "__main__":
    main()
