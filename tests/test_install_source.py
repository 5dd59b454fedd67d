"""What `env create` installs as vfr-bench in a model's environment: the same code the runner runs."""

import json

import pytest
from packaging.requirements import Requirement

from vfr_bench.isolation import install_source
from vfr_bench.isolation.install_source import InstallSourceGone, direct_url, install_target, requirement

COMMIT = "8b53711c0ffee0000000000000000000000000aa"


def test_a_git_install_is_pinned_to_the_commit_that_was_installed():
    origin = {
        "url": "https://github.com/acme/vfr-bench.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
    }
    req = requirement(origin, "[builtin]")
    assert req == f"vfr-bench[builtin] @ git+https://github.com/acme/vfr-bench.git@{COMMIT}"
    parsed = Requirement(req)  # pip's own grammar
    assert parsed.name == "vfr-bench" and parsed.extras == {"builtin"} and parsed.url.endswith(COMMIT)
    sub = requirement({**origin, "subdirectory": "python"}, "")
    assert sub.endswith(f"@{COMMIT}#subdirectory=python")


def test_a_folder_or_archive_install_is_installed_from_there_while_it_exists(tmp_path):
    wheel = tmp_path / "vfr_bench-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    url = wheel.as_uri()
    assert requirement({"url": url, "archive_info": {}}, "") == f"vfr-bench @ {url}"
    assert requirement({"url": tmp_path.as_uri(), "dir_info": {}}, "[qwen]") == f"vfr-bench[qwen] @ {tmp_path.as_uri()}"
    remote = "https://example.org/wheels/vfr_bench-0.1.0-py3-none-any.whl"
    assert requirement({"url": remote, "archive_info": {"hashes": {}}}, "") == f"vfr-bench @ {remote}"
    wheel.unlink()
    with pytest.raises(InstallSourceGone, match="no longer exists: reinstall vfr-bench"):
        requirement({"url": url, "archive_info": {}}, "")


def test_this_install_is_read_from_its_own_record_and_a_checkout_installs_itself():
    origin = direct_url()  # the set-up installs this checkout editable: pip recorded its folder
    assert origin is not None and origin["dir_info"].get("editable") is True
    checkout = install_source.source_checkout()
    assert checkout is not None and origin["url"] == checkout.as_uri()
    assert install_target("[builtin]") == f"{checkout}[builtin]"


def test_without_a_checkout_the_recorded_origin_wins_over_the_index(monkeypatch):
    monkeypatch.setattr(install_source, "source_checkout", lambda: None)
    origin = {"url": "https://github.com/acme/vfr-bench.git", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    monkeypatch.setattr(install_source, "direct_url", lambda: json.loads(json.dumps(origin)))
    assert install_target("") == f"vfr-bench @ git+https://github.com/acme/vfr-bench.git@{COMMIT}"
    monkeypatch.setattr(install_source, "direct_url", lambda: None)  # from an index: the same release
    assert install_target("[data]") == f"vfr-bench[data]=={install_source.vfr_bench.__version__}"


def test_what_pip_records_for_a_git_install_gives_back_a_requirement_pip_installs_the_same_commit(tmp_path):
    """pip's own record of a git install (the direct_url.json it would write), turned into a requirement
    and resolved by pip again: the same commit (dry runs of this repository, offline)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (repo / ".git").exists():
        pytest.skip("needs git and this repository's history")
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    commit = commit.strip()

    def resolve(req: str) -> dict:
        report = tmp_path / "report.json"
        pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-build-isolation", "--quiet"]
        subprocess.run([*pip, "--report", str(report), req], check=True, capture_output=True, timeout=300)
        return json.loads(report.read_text())["install"][0]["download_info"]

    recorded = resolve(f"vfr-bench @ git+{repo.as_uri()}@{commit}")
    again = resolve(requirement(recorded, "[builtin]"))
    assert again["vcs_info"]["commit_id"] == recorded["vcs_info"]["commit_id"] == commit
