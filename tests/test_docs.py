"""The documentation: the site under docs/ builds with `mkdocs build --strict` (offline), so a broken
link, an anchor that is gone or a page left out of the nav fails; the reference pages are what the code
says now (scripts/docs_reference.py --check); the README is a front door whose links all lead somewhere."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README_MAX_LINES = 250


def reference_script():
    spec = importlib.util.spec_from_file_location("docs_reference", REPO / "scripts" / "docs_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(root: Path, site: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("material", reason="the site's theme: pip install 'vfr-bench[test]' (mkdocs-material)")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    env = {"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(site.parent)}
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120, env=env)


def copy_site_sources(to: Path) -> Path:
    to.mkdir()
    shutil.copy(REPO / "mkdocs.yml", to / "mkdocs.yml")
    shutil.copytree(REPO / "docs", to / "docs")
    return to


def test_the_reference_pages_say_what_the_code_says():
    assert reference_script().main(["--check"]) == 0, "run `python scripts/docs_reference.py`"


def test_a_stale_reference_page_is_caught(tmp_path, monkeypatch, capsys):
    script = reference_script()
    out = tmp_path / "reference"
    monkeypatch.setattr(script, "OUT", out)
    assert script.main([]) == 0 and script.main(["--check"]) == 0
    page = out / "metrics.md"
    page.write_text(page.read_text().replace("| `wer` | quality |", "| `wer` | rate |"))
    assert script.main(["--check"]) == 1
    assert "metrics.md" in capsys.readouterr().err


def test_the_site_builds_strictly_offline(tmp_path):
    result = build(REPO, tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("index.html", "glossary/index.html", "reference/settings/index.html", "guarantees/index.html"):
        assert (tmp_path / "site" / page).is_file(), page
    assert "fonts.googleapis" not in (tmp_path / "site" / "index.html").read_text()  # reads the same offline


def test_a_broken_link_fails_the_build(tmp_path):
    root = copy_site_sources(tmp_path / "src")
    gates = root / "docs" / "gates.md"
    gates.write_text(gates.read_text() + "\nSee [the old page](no-such-page.md).\n")
    result = build(root, tmp_path / "site")
    assert result.returncode != 0 and "no-such-page.md" in result.stdout + result.stderr


def test_a_page_missing_from_the_navigation_fails_the_build(tmp_path):
    root = copy_site_sources(tmp_path / "src")
    (root / "docs" / "orphan.md").write_text("# Orphan\n")
    result = build(root, tmp_path / "site")
    assert result.returncode != 0 and "orphan.md" in result.stdout + result.stderr


def readme_links() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_the_readme_is_a_front_door_whose_links_lead_somewhere():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= README_MAX_LINES
    local = [link for link in readme_links() if not re.match(r"https?://", link)]
    assert local, "the README links into the documentation"
    for link in local:
        assert (REPO / link.split("#")[0]).exists(), link
    for page in ("docs/getting-started.md", "docs/glossary.md", "docs/guarantees.md", "docs/gates.md"):
        assert page in local, page
    assert "https://github.com/AmphionTeam/FlexiSLM" in readme_links()
    assert any(link.startswith("https://arxiv.org/abs/") for link in readme_links())


def test_the_glossary_explains_the_jargon_the_pages_use():
    glossary = (REPO / "docs" / "glossary.md").read_text()
    terms = {t.lower() for t in re.findall(r"\*\*([^*]+?)\.?\*\*", glossary)}
    defined = " ".join(terms)
    for word in ("s2t", "s2s", "thinker", "talker", "roofline", "judge ceiling", "rate spec", "corpus-level"):
        assert word in defined, word
