"""Manifest parsing, property-based: whatever a valid manifest holds comes back as written, and
whatever bytes a broken one holds, the error is a ManifestError that names the file and line."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vfr_bench.data.manifest import ManifestError, load_manifest

# any Unicode a JSON string can carry, line and paragraph separators included (not surrogates)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
ids = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30).filter(lambda s: s.strip())
record = st.fixed_dictionaries(
    {"text": text, "question": text, "answers": st.lists(text, max_size=3), "language": st.sampled_from(["en", "zh"])}
)
relaxed = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@relaxed
@given(rows=st.lists(st.tuples(ids, record), min_size=1, max_size=6, unique_by=lambda r: r[0]))
def test_what_a_valid_manifest_holds_comes_back_as_written(tmp_path, rows):
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    lines = [json.dumps({"id": i, "audio": f"a{n}.wav", **r}, ensure_ascii=False) for n, (i, r) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    samples = load_manifest(path).samples
    assert [s.id for s in samples] == [i for i, _ in rows]
    assert [(s.text, s.question, list(s.answers), s.language) for s in samples] == [
        (r["text"], r["question"], r["answers"], r["language"]) for _, r in rows
    ]


@relaxed
@example(good=1, bad=b"\x1c")  # found by this test: str.strip() took a line of control characters for blank
@given(good=st.integers(0, 3), bad=st.binary(min_size=1, max_size=60).filter(lambda b: b"\n" not in b))
def test_any_broken_line_is_named_by_file_and_number(tmp_path, good, bad):
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    lines = [json.dumps({"id": f"u{n}", "audio": "a.wav"}).encode() for n in range(good)]
    path.write_bytes(b"\n".join([*lines, bad]) + b"\n")
    try:
        load_manifest(path)
    except ManifestError as err:
        assert f"{path}:{good + 1}:" in str(err) or "holds no samples" in str(err)
    else:  # the random bytes happened to make a valid line (or a blank one)
        assert not bad.strip(b" \t\r") or json.loads(bad)["audio"]
