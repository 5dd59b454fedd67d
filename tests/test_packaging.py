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


def test_every_package_folder_is_listed_for_installation():
    assert set(setuptools_config()["packages"]) == package_folders()


def test_adapters_and_suites_install_under_the_vfr_bench_namespace():
    config = setuptools_config()
    assert config["package-dir"] == {"vfr_bench.baselines": "baselines", "vfr_bench.tasks": "tasks"}
    assert not any(p.split(".")[0] in ("baselines", "tasks") for p in config["packages"])
    assert "*.yaml" in config["package-data"]["vfr_bench.tasks"]
