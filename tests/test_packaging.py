"""The wheel an operator installs: every template, static file (htmx too) and migration; its data goes to ``./var``."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="what the wheel holds does not depend on the database")

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "conduit"
SHIPPED = ("web/static", "web/templates", "db/migrations")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make install-dev puts it in .tools/)")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([uv, "build", "--wheel", "--out-dir", str(out), str(ROOT)], check=True, capture_output=True)  # noqa: S603
    (built,) = out.glob("conduit-*.whl")
    return built


def test_the_wheel_holds_every_template_static_file_and_migration(wheel: Path) -> None:
    expected = {
        f"conduit/{path.relative_to(PACKAGE).as_posix()}"
        for folder in SHIPPED
        for path in (PACKAGE / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())

    assert expected - shipped == set()
    if (PACKAGE / "web/static/vendor/htmx.min.js").exists():  # installed by make install, with npm
        assert "conduit/web/static/vendor/htmx.min.js" in shipped


def test_installed_from_the_wheel_conduit_keeps_its_data_under_the_working_directory(
    wheel: Path, tmp_path: Path
) -> None:
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    workdir = tmp_path / "service"
    workdir.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CONDUIT_VAR_DIR", "SECRET_KEY"}
    }

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import conduit, runpy; print(conduit.__file__); runpy.run_module('conduit', run_name='__main__')",
            "database",
            "upgrade",
            "--no-prompt",
        ],
        cwd=workdir,
        env={**environment, "PYTHONPATH": str(installed), "CONDUIT_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == str(installed / "conduit" / "__init__.py")
    assert {"conduit.sqlite3", "secret_key"} <= {path.name for path in (workdir / "var").iterdir()}
    assert not list(installed.rglob("*.sqlite3"))
    assert not list(installed.rglob("secret_key"))
