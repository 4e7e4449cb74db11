"""``conduit``: the Litestar command line with this application preselected."""

import os

from litestar.__main__ import run_cli


def main() -> None:
    os.environ["LITESTAR_APP"] = "conduit.app:create_app"
    run_cli()


if __name__ == "__main__":
    main()
