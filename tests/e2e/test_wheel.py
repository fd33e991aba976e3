"""The built wheel works installed on its own, outside the checkout: it carries the pattern packs,
the migrations, the web page and the calibration."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractor.errors import CalibrationError
from extractor.match import scoring
from extractor.pipeline import Extractor
from extractor.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "extractor", "workers", "samples", "patterns")  # as
# the Dockerfile copies them
SAMPLE = ROOT / "samples" / "docs" / "doc-00002.pdf"
WEB_PAGE = """
from fastapi.testclient import TestClient
from extractor.api.app import create_app
client = TestClient(create_app())
page, script = client.get("/"), client.get("/web/app.js")
print(page.status_code, script.status_code, "<html" in page.text)
"""


@dataclass
class Installed:
    wheel: Path
    venv: Path
    home: Path  # the working directory, outside the checkout

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        # Nothing of the test services' configuration: the install's defaults, in `home`.
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CUSTID_")
                 and k not in ("DATABASE_URL", "REDIS_URL", "PYTHONPATH")}
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.home,
                              env={**clean, "CUSTID_DATA_DIR": str(self.home / "data"), **env},
                              capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, built from a copy of the sources (no stale build/ of the checkout's), installed
    into a venv of its own."""
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "src").mkdir()
    for name in SOURCES:
        source, target = ROOT / name, tmp / "src" / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", tmp / "dist", tmp / "src"], check=True)
    wheel = next((tmp / "dist").glob("custid-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    subprocess.run([*pip, "--python", venv / "bin" / "python", "install", "--no-deps",
                    "--no-index", wheel], check=True)
    # The dependencies are this venv's, on the path only (added after pip ran: it would see the
    # editable custid there); a path .pth line runs none of that folder's own .pth files, so the
    # editable finder stays out.
    purelib = subprocess.run([venv / "bin" / "python", "-c",
                              "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (tmp / "home").mkdir()
    return Installed(wheel, venv, tmp / "home")


def test_the_wheel_has_every_module(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for top in ("extractor", "workers", "samples")
               for p in (ROOT / top).rglob("*.py")}
    modules |= {f"extractor/{p.relative_to(ROOT)}" for p in (ROOT / "patterns").rglob("*.py")}
    assert modules - names == set()


def test_extract_reads_the_packaged_packs(installed: Installed) -> None:
    where = installed.run("python", "-c", "import extractor.settings as s; "
                          "print(s.__file__); print(s.Settings().patterns_dir)")
    module, patterns = map(Path, where.stdout.split())
    assert module.is_relative_to(installed.venv) and patterns.is_relative_to(installed.venv)
    extracted = installed.run("custid", "extract", "--json", str(SAMPLE))
    assert extracted.returncode == 0, extracted.stderr
    result = json.loads(extracted.stdout)
    assert [(f["kind"], f["value"]) for f in result["findings"]] == [
        ("customer_number", "21915-5716")]


def test_patterns_check_and_its_override(installed: Installed) -> None:
    checked = installed.run("custid", "patterns", "check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: ") and str(installed.venv) in checked.stdout
    elsewhere = installed.home / "my-packs"
    elsewhere.mkdir()
    overridden = installed.run("custid", "patterns", "check", CUSTID_PATTERNS_DIR=str(elsewhere))
    assert overridden.returncode == 3 and f"{elsewhere}: no pattern packs" in overridden.stderr


def test_the_packaged_migrations_run(installed: Installed) -> None:
    created = installed.run("custid", "keys", "create", "--workspace", "w", "--role", "admin")
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(installed.home / "data" / "custid.db") as db:
        assert db.execute("SELECT count(*) FROM api_keys").fetchone() == (1,)


def test_the_web_page_is_served(installed: Installed) -> None:
    served = installed.run("python", "-c", WEB_PAGE)
    assert served.stdout.split() == ["200", "200", "True"], served.stderr


def test_a_checkout_reads_its_top_level_patterns() -> None:
    assert Settings().patterns_dir == ROOT / "patterns"


@pytest.mark.parametrize("content", [None, "{", '{"raw": [0, 1]}', '{"raw": [1, 0], '
                                     '"calibrated": [0, 1]}'])
def test_a_missing_or_unreadable_calibration_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None) -> None:
    calibration = tmp_path / "calibration.json"
    if content is not None:
        calibration.write_text(content)
    monkeypatch.setattr(scoring, "CALIBRATION", calibration)
    scoring.load_calibration.cache_clear()
    try:
        with pytest.raises(CalibrationError, match=str(calibration)) as caught:
            Extractor(Settings())
    finally:
        scoring.load_calibration.cache_clear()
    assert caught.value.code == "bad_calibration"
