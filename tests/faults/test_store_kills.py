"""The JSONL store under a kill at any byte of any record, of any size (property-based), and the
permissions of what it writes."""

from __future__ import annotations

import json
import os
import stat
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vfr_bench.jsonl import TAIL_SCAN, append_jsonl, read_jsonl, write_text_atomic

sizes = st.sampled_from([0, 1, 10, 1000, TAIL_SCAN - 20, TAIL_SCAN + 5, 3 * TAIL_SCAN + 7])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(sizes, min_size=0, max_size=3), cut=sizes, cut_at=st.floats(0, 1, exclude_max=True))
def test_a_record_cut_anywhere_is_dropped_and_nothing_finished_is_lost(tmp_path, before, cut, cut_at):
    path = tmp_path / f"store-{uuid.uuid4().hex}.jsonl"
    finished = [{"i": i, "pad": "x" * n} for i, n in enumerate(before)]
    append_jsonl(path, finished)
    whole = path.read_bytes() if path.exists() else b""
    line = (json.dumps({"i": "cut", "pad": "y" * cut}) + "\n").encode()
    path.write_bytes(whole + line[: int(cut_at * (len(line) - 1))])  # killed mid-write: no newline yet
    assert read_jsonl(path) == finished  # readers never see the cut line
    append_jsonl(path, [{"i": "next"}])
    assert read_jsonl(path) == [*finished, {"i": "next"}]
    assert path.read_bytes().endswith(b"\n")


def test_a_cut_line_longer_than_the_tail_scan_is_dropped_not_joined(tmp_path):
    """Seen: a line cut by a kill beyond 1 MiB was kept, and the next record was appended onto it."""
    path = tmp_path / "s.jsonl"
    append_jsonl(path, [{"i": 0}])
    with open(path, "ab") as f:
        f.write(b'{"i": 1, "pad": "' + b"z" * (2 * TAIL_SCAN))
    append_jsonl(path, [{"i": 2}])
    assert read_jsonl(path) == [{"i": 0}, {"i": 2}]


def test_files_written_whole_are_readable_by_others_as_the_umask_allows(tmp_path):
    """Seen: manifest.json and summary.csv were written 0600 (mkstemp's mode)."""
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "manifest.json", "{}")
        append_jsonl(tmp_path / "samples.jsonl", [{}])
    finally:
        os.umask(old)
    for name in ("manifest.json", "samples.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
