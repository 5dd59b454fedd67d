"""What pip installs to put this vfr-bench into a model's own environment, so that the worker runs the
same code as the runner: the checkout it runs from; else where pip got it, as pip recorded it in
direct_url.json (PEP 610: a git commit, a local folder or an archive); else the index's release of
this version (an install from PyPI records no direct URL)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import vfr_bench

DIST = "vfr-bench"


class InstallSourceGone(RuntimeError):
    """vfr-bench was installed from a local folder or file that no longer exists."""


def source_checkout() -> Path | None:
    root = Path(vfr_bench.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def direct_url() -> dict[str, Any] | None:
    """The installed distribution's PEP 610 record, or None (installed from an index, or not installed).
    Every copy of the metadata is asked: a checkout's build leaves an egg-info without one, which shadows
    the installed record when Python runs from that checkout."""
    for dist in metadata.distributions(name=DIST):
        text = dist.read_text("direct_url.json")
        if text:
            return json.loads(text)
    return None


def requirement(origin: dict[str, Any], extra: str) -> str:
    """A pip requirement for vfr-bench (with `extra`, e.g. "[builtin]") from where it was installed."""
    url = origin["url"]
    if "vcs_info" in origin:  # pinned to the commit that was installed, not the branch it came from
        vcs = origin["vcs_info"]
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        sub = f"#subdirectory={origin['subdirectory']}" if origin.get("subdirectory") else ""
        return f"{DIST}{extra} @ {vcs['vcs']}+{url}{'@' + ref if ref else ''}{sub}"
    parsed = urlparse(url)
    if parsed.scheme == "file" and not Path(unquote(parsed.path)).exists():
        raise InstallSourceGone(
            f"vfr-bench was installed from {url}, which no longer exists: reinstall vfr-bench, or run "
            "`env create` from a checkout"
        )
    return f"{DIST}{extra} @ {url}"


def install_target(extra: str) -> str:
    """The argument `pip install` takes to install this vfr-bench with `extra` elsewhere."""
    source = source_checkout()
    if source:
        return f"{source}{extra}"
    origin = direct_url()
    if origin:
        return requirement(origin, extra)
    return f"{DIST}{extra}=={vfr_bench.__version__}"
