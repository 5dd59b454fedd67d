"""The gate never passes what it could not compare: a candidate that lost a metric, had its judge
down, scored fewer samples than the baseline, or names a rule that matches nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tests.test_gate import draw_edits, synthetic_run, utterances
from vfr_bench.cli import main


@pytest.fixture
def pair(tmp_path):
    lengths, p = utterances(30, seed=1)
    edits = draw_edits(lengths, p, seed=2)
    return synthetic_run(tmp_path / "base", edits, lengths), synthetic_run(tmp_path / "cand", edits, lengths, seed=1)


def gate(tmp_path, base, cand):
    out = tmp_path / "verdict.json"
    result = CliRunner().invoke(main, ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(out)])
    return result.exit_code, json.loads(out.read_text()), result.output


def rewrite_scores(run, change):
    lines = [json.loads(line) for line in (run / "scores.jsonl").read_text().splitlines()]
    (run / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in change(lines)))


def failed_cells(verdict):
    return {c["metric"]: c["reason"] for c in verdict["cells"] if c["verdict"] == "fail"}


def test_an_equal_candidate_passes(tmp_path, pair):
    code, verdict, _ = gate(tmp_path, *pair)
    assert code == 0 and not failed_cells(verdict)


def test_an_emptied_scores_file_fails(tmp_path, pair):
    (pair[1] / "scores.jsonl").write_text("")
    code, verdict, _ = gate(tmp_path, *pair)
    assert code == 1 and "the candidate has no wer score in this cell" in failed_cells(verdict)["wer (scored samples)"]


def test_removed_wer_lines_fail(tmp_path, pair):
    rewrite_scores(pair[1], lambda rows: [r for r in rows if r["metric"] != "wer"])
    code, verdict, _ = gate(tmp_path, *pair)
    assert code == 1 and "wer (scored samples)" in failed_cells(verdict)


def test_every_wer_an_error_fails_and_says_why(tmp_path, pair):
    def judge_down(rows):
        return [{**r, "value": None, "error": "JudgeError: HTTP 503"} if r["metric"] == "wer" else r for r in rows]

    rewrite_scores(pair[1], judge_down)
    code, verdict, _ = gate(tmp_path, *pair)
    reason = failed_cells(verdict)["wer (scored samples)"]
    assert code == 1 and "no wer score" in reason and "failed to score, e.g. JudgeError: HTTP 503" in reason


def test_fewer_scored_samples_than_the_baseline_fail(tmp_path, pair):
    def one_failed(rows):
        first = next(i for i, r in enumerate(rows) if r["metric"] == "wer")
        rows[first] = {**rows[first], "value": None, "error": "RuntimeError: cannot align"}
        return rows

    rewrite_scores(pair[1], one_failed)
    code, verdict, _ = gate(tmp_path, *pair)
    assert (
        code == 1
        and "1 of 30 samples the baseline scored have no wer score" in failed_cells(verdict)["wer (scored samples)"]
    )


def test_two_runs_of_one_checkpoint_never_fail_on_latency(tmp_path):
    """Seen: t_total ratios of 1.4-2.3x between re-runs on one busy machine failed the gate."""
    lengths, p = utterances(30, seed=1)
    edits = draw_edits(lengths, p, seed=2)
    base = synthetic_run(tmp_path / "a", edits, lengths, t_total=1.0)
    busy = synthetic_run(tmp_path / "b", edits, lengths, t_total=2.3, seed=3)
    code, verdict, _ = gate(tmp_path, base, busy)
    latency = next(c for c in verdict["cells"] if c["kind"] == "latency")
    assert code == 0 and latency["verdict"] == "report-only" and np.isclose(latency["delta"], 2.3, rtol=0.05)
