"""What installs is what the repository holds: every package folder is listed in pyproject.toml
(the adapters and suites map into the vfr_bench namespace), and nothing installs as a bare
`baselines` or `tasks` that would collide with other packages of those names."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"vfr_bench": REPO / "vfr_bench", "vfr_bench.baselines": REPO / "baselines", "vfr_bench.tasks": REPO / "tasks"}


def setuptools_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def package_folders() -> set[str]:
    found = set()
    for package, root in ROOTS.items():
        for init in root.rglob("__init__.py"):
            parts = init.parent.relative_to(root).parts
            found.add(".".join([package, *parts]))
    return found


def test_adapters_and_suites_install_under_the_vfr_bench_namespace():
    config = setuptools_config()
    assert config["package-dir"] == {"vfr_bench.baselines": "baselines", "vfr_bench.tasks": "tasks"}
    assert not any(p.split(".")[0] in ("baselines", "tasks") for p in config["packages"])
    assert "*.yaml" in config["package-data"]["vfr_bench.tasks"]


def data_folders() -> set[str]:
    """Folders that hold data files and no code (prompts, the listening page's static files): setuptools
    installs them as packages without an __init__.py, and warns about each one not listed."""
    data = setuptools_config()["package-data"]
    return {package for package in data if package not in package_folders()}


def test_every_package_folder_and_data_folder_is_listed_for_installation():
    assert set(setuptools_config()["packages"]) == package_folders() | data_folders()
    for package in data_folders():
        top = next(t for t in sorted(ROOTS, key=len, reverse=True) if package == t or package.startswith(t + "."))
        root = ROOTS[top].joinpath(*package[len(top) :].split(".")[1:])
        assert root.is_dir() and not (root / "__init__.py").exists(), package


def test_building_the_package_warns_about_nothing_and_installs_every_data_file(tmp_path):
    """`pip install -e .` printed about 80 lines of setuptools warnings ("Package would be ignored")
    for data folders missing from `packages`; the build itself says whether any is left."""
    import subprocess

    build = subprocess.run(
        [sys.executable, "-W", "always", "-c", "from setuptools import setup; setup()", "-q",
         "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(tmp_path / "lib")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    assert "Warning" not in build.stderr and "absent from the" not in build.stderr, build.stderr
    installed = tmp_path / "lib" / "vfr_bench"
    for source, pattern in (
        (REPO / "vfr_bench", "metrics/prompts/*.txt"), (REPO / "vfr_bench", "report/html/static/*"),
        (REPO / "vfr_bench", "data/*.jsonl"), (REPO, "tasks/*.yaml"),
    ):  # fmt: skip
        shipped = {p.name for p in source.glob(pattern)}
        assert shipped and shipped <= {p.name for p in installed.glob(pattern)}, pattern
