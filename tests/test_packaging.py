"""The wheel holds every module and data file of every part of the package."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

DATA_SUFFIXES = {".ttl", ".rq", ".yaml", ".csv", ".txt", ".html", ".js", ".css", ".json"}


def _package_dirs() -> dict[str, Path]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {pkg: REPO / folder for pkg, folder in mapping.items()}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("policykg-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_every_package_folder_is_declared():
    """A folder with an __init__.py under a mapped folder must be a declared package."""
    declared = _package_dirs()
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert sorted(declared) == sorted(config["tool"]["setuptools"]["packages"])
    folders = {path.resolve() for path in declared.values()}
    for root in list(folders):
        for init in root.rglob("__init__.py"):
            assert init.parent.resolve() in folders, f"{init.parent} is not in pyproject packages"


def test_wheel_holds_every_module_and_data_file(wheel_names):
    missing = []
    for package, folder in _package_dirs().items():
        prefix = package.replace(".", "/")
        for path in folder.iterdir():
            if path.is_file() and (path.suffix == ".py" or path.suffix in DATA_SUFFIXES):
                if f"{prefix}/{path.name}" not in wheel_names:
                    missing.append(f"{prefix}/{path.name}")
        for sub in ("data", "static", "templates"):
            for path in (folder / sub).rglob("*") if (folder / sub).is_dir() else []:
                if path.is_file():
                    name = f"{prefix}/{path.relative_to(folder).as_posix()}"
                    if name not in wheel_names:
                        missing.append(name)
    examples = _package_dirs()["policykg.examples"]
    for path in examples.rglob("*"):
        if path.is_file() and path.suffix in {".txt", ".yaml"}:
            name = f"policykg/examples/{path.relative_to(examples).as_posix()}"
            if name not in wheel_names:
                missing.append(name)
    assert not missing, f"absent from the wheel: {missing}"


def test_wheel_declares_the_console_script(wheel_names):
    entry_points = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert entry_points
