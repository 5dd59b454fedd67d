"""What installs is what the repository holds: the package is built the way pip builds it, and every
file the repository tracks under vfr_bench/, baselines/ and tasks/ must be in the build, the adapters and
suites under the vfr_bench namespace, with nothing installed as a bare `baselines` or `tasks` that would
collide with other packages of those names, and without a setuptools warning."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("vfr_bench", "baselines", "tasks")


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> tuple[Path, str]:
    """The package built as pip builds it: (its library folder, what the build printed on stderr)."""
    out = tmp_path_factory.mktemp("build")
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", "from setuptools import setup; setup()", "-q",
         "egg_info", "--egg-base", str(out), "build_py", "--build-lib", str(out / "lib")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out / "lib", done.stderr


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: which files the repository holds is git's to say")
    listed = subprocess.run(["git", "ls-files", *ROOTS], cwd=REPO, capture_output=True, text=True, check=True)
    return [Path(line) for line in listed.stdout.splitlines()]


def test_building_the_package_warns_about_nothing(build):
    """`pip install -e .` printed about 80 lines of setuptools warnings ("Package would be ignored")
    for data folders missing from `packages`; the build itself says whether any is left."""
    _, stderr = build
    assert "Warning" not in stderr and "absent from the" not in stderr, stderr


def test_every_tracked_file_installs_and_adapters_and_suites_sit_under_vfr_bench(build):
    lib, _ = build
    assert sorted(p.name for p in lib.iterdir()) == ["vfr_bench"], "only vfr_bench installs at the top level"
    files = tracked_files()
    assert any(f.parts[0] == "baselines" for f in files) and any(f.suffix == ".yaml" for f in files)
    missing = [str(f) for f in files if not (lib / "vfr_bench" / f if f.parts[0] != "vfr_bench" else lib / f).is_file()]
    assert not missing, f"tracked but not installed: {missing[:10]}"
