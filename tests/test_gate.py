"""Regression gates on synthetic run directories: equal, noise, a real WER drop, a missed rate, a
changed normaliser; and the false-alarm rate of noise-only candidates at the configured level."""

import itertools
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.gate.calibrate import calibrate, proposed_yaml
from vfr_bench.gate.compare import CannotCompare, RunData, compare, load_side, quality_verdict
from vfr_bench.gate.config import GateConfig, GateConfigError, Rule, load_config
from vfr_bench.gate.data import Where
from vfr_bench.jsonl import append_jsonl
from vfr_bench.metrics.wer import WER
from vfr_bench.records import Manifest, ScoreRecord
from vfr_bench.scoring import score_run

WORDS = "apple river stone garden window market yellow silver basket candle forest mountain letter travel".split()


def utterances(n, seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 21, n)
    difficulty = rng.beta(2, 14, n)  # per-utterance error probability, mean 0.125
    return lengths, difficulty


def draw_edits(lengths, p, seed):
    return np.random.default_rng(seed).binomial(lengths, np.clip(p, 0, 1))


def synthetic_run(
    path,
    edits,
    lengths,
    model="m",
    rate_error=0.01,
    t_total=1.0,
    normaliser_version=None,
    data_hash="sha256:data",
    seed=0,
    rates=(6.25,),
):
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    samples = []
    for hz, (i, (k, n)) in itertools.product(rates, enumerate(zip(edits, lengths))):
        ref = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(n))
        hyp = " ".join("zebra" if j < k else w for j, w in enumerate(ref.split()))
        err = rate_error * (1 + 0.2 * rng.standard_normal())
        samples.append(
            {
                "model": model,
                "rate_spec": f"{hz:g}",
                "task": "asr",
                "sample_id": f"s{i}",
                "status": "ok",
                "requested_input_hz": hz,
                "requested_output_hz": hz,
                "achieved_input_hz": hz * (1 + err),
                "input_rate_error": err,
                "output_rate_error": None,
                "achieved_output_hz": None,
                "input_seconds": 5.0,
                "output_seconds": None,
                "text": hyp,
                "language": "en",
                "reference": {"text": ref},
                "timings": {
                    "t_total": t_total * (1 + 0.05 * rng.standard_normal()),
                    "t_first_token": None,
                    "t_first_audio": None,
                    "t_ar": None,
                },
            }
        )
    append_jsonl(path / "samples.jsonl", samples)
    manifest = {
        "argv": ["test"],
        "models": {model: {}},
        "tasks": {"asr": {"metrics": ["wer"], "dataset": {"content_hash": data_hash}}},
        "hardware": {"cpu": "test cpu", "gpus": []},
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    score_run(path, {"asr": ["wer"]})
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["metrics"]["wer"] == WER.describe()  # scoring records what scored
    if normaliser_version is not None:  # as if scored by a vfr-bench with another normaliser
        manifest["metrics"]["wer"]["normaliser_version"] = normaliser_version
        (path / "manifest.json").write_text(json.dumps(manifest))
    return path


@pytest.fixture(scope="module")
def base_data():
    lengths, p = utterances(200, seed=1)
    return lengths, p, draw_edits(lengths, p, seed=2)


def gate(tmp_path, base, cand, config=None):
    result = CliRunner().invoke(
        main,
        [
            "gate",
            "--baseline",
            str(base),
            "--candidate",
            str(cand),
            "--json",
            str(tmp_path / "verdict.json"),
            "--markdown",
            str(tmp_path / "pr.md"),
        ]
        + (["--config", str(config)] if config else []),
    )
    return result.exit_code, json.loads((tmp_path / "verdict.json").read_text()), result.output


def test_a_candidate_equal_to_the_baseline_passes(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths, model="other-checkpoint", seed=1)
    code, verdict, output = gate(tmp_path, base, cand)
    assert code == 0 and verdict["verdict"] == "pass"
    wer = next(c for c in verdict["cells"] if c["metric"] == "wer")
    assert wer["delta"] == 0 and wer["n"] == 200
    assert "| asr @ 6.25 Hz, wer |" in (tmp_path / "pr.md").read_text()


def test_the_verdict_table_lists_rates_high_to_low_as_a_run_does(tmp_path, base_data):
    """Sorted as text, 12.5 came before 4 but after 25 and 4.5, and 6.25 after 4."""
    lengths, p, edits = base_data
    rates = (4, 12.5, 25, 6.25, 4.5)
    base = synthetic_run(tmp_path / "b", edits[:20], lengths[:20], rates=rates)
    cand = synthetic_run(tmp_path / "c", edits[:20], lengths[:20], rates=rates, seed=1)
    result = CliRunner().invoke(main, ["gate", "--baseline", str(base), "--candidate", str(cand)])
    assert result.exit_code == 0, result.output
    listed = re.findall(r"\| asr @ ([0-9.]+) Hz, wer \|", result.output)
    assert listed == ["25", "12.5", "6.25", "4.5", "4"], result.output


def test_a_candidate_that_differs_by_noise_only_passes(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", draw_edits(lengths, p, seed=99), lengths)
    code, verdict, _ = gate(tmp_path, base, cand)
    assert code == 0, verdict


def test_two_points_of_wer_on_200_samples_fail(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    worse = draw_edits(lengths, p + 0.02, seed=3)
    cand = synthetic_run(tmp_path / "c", worse, lengths)
    code, verdict, output = gate(tmp_path, base, cand)
    wer = next(c for c in verdict["cells"] if c["metric"] == "wer")
    assert wer["delta"] == pytest.approx(worse.sum() / lengths.sum() - edits.sum() / lengths.sum())
    assert code == 1 and wer["verdict"] == "fail" and wer["ci_low"] > 0
    assert "**FAIL**" in output


def test_a_candidate_that_stops_hitting_its_rate_fails(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths, rate_error=0.35)
    code, verdict, _ = gate(tmp_path, base, cand)
    rate = next(c for c in verdict["cells"] if c["metric"] == "input_rate_abs_error")
    assert code == 1 and rate["verdict"] == "fail" and rate["candidate"] > 0.3


def test_another_normaliser_version_cannot_be_compared(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths, normaliser_version="0.0.1-other")
    code, verdict, output = gate(tmp_path, base, cand)
    assert code == 2 and verdict["verdict"] == "cannot-compare"
    assert "metric 'wer': normaliser_version differs" in verdict["reason"]
    comment = (tmp_path / "pr.md").read_text()  # what a pull-request comment shows: no verdict, and why
    assert comment.startswith("## vfr-bench gate: no verdict (exit 2)") and "normaliser_version differs" in comment


def test_other_data_cannot_be_compared(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths, data_hash="sha256:other")
    code, verdict, _ = gate(tmp_path, base, cand)
    assert code == 2 and "task 'asr': the data differ" in verdict["reason"]


def test_false_alarms_on_noise_stay_at_or_below_the_level(base_data):
    """100 seeded noise-only candidates, judged with a zero allowed regression so that the test
    alone decides: the share that fails must not exceed 1 - confidence."""
    lengths, p, edits = base_data
    config = GateConfig(confidence=0.95, resamples=1000, rules=(Rule("wer", 0.0),))
    cell = (Where("asr", "6.25"), "wer")

    def run_data(e):
        scores = {
            f"s{i}": ScoreRecord(
                model="m",
                rate_spec="6.25",
                task="asr",
                sample_id=f"s{i}",
                metric="wer",
                metric_version="1",
                value=k / n,
                numerator=float(k),
                denominator=float(n),
            )
            for i, (k, n) in enumerate(zip(e, lengths))
        }
        return RunData(
            path=None, manifest=Manifest(argv=[], models={}, tasks={}), model="m", samples={}, scores={cell: scores}
        )

    base = run_data(edits)
    rng = np.random.default_rng(0)
    fails = sum(
        quality_verdict(
            base,
            run_data(draw_edits(lengths, p, seed=1000 + s)),
            cell,
            config.rule_for("asr", "6.25", "wer"),
            config,
            rng,
        ).verdict
        == "fail"
        for s in range(100)
    )
    assert fails <= 5


def test_report_only_rules_print_but_never_fail(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", draw_edits(lengths, p + 0.05, seed=4), lengths)
    config = tmp_path / "gates.yaml"
    config.write_text("rules:\n  - metric: wer\n    report_only: true\n")
    code, verdict, _ = gate(tmp_path, base, cand, config)
    wer = next(c for c in verdict["cells"] if c["metric"] == "wer")
    assert code == 0 and wer["verdict"] == "report-only" and "worse by" in wer["reason"]


def test_latency_is_report_only_unless_asked_and_then_fails_only_when_significantly_past(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths, t_total=1.0)
    slow = synthetic_run(tmp_path / "c", edits, lengths, t_total=1.6, seed=5)
    code, verdict, _ = gate(tmp_path, base, slow)  # the default: a busy machine must not fail a checkpoint
    latency = next(c for c in verdict["cells"] if c["kind"] == "latency")
    assert code == 0 and latency["verdict"] == "report-only" and "exceeds 1.25, significantly" in latency["reason"]
    gating = tmp_path / "latency.yaml"
    gating.write_text("latency:\n  report_only: false\n")
    (tmp_path / "v1").mkdir()
    code, verdict, _ = gate(tmp_path / "v1", base, slow, gating)
    latency = next(c for c in verdict["cells"] if c["kind"] == "latency")
    assert code == 1 and latency["verdict"] == "fail" and latency["delta"] == pytest.approx(1.6, rel=0.05)
    (tmp_path / "v2").mkdir()
    fine = synthetic_run(tmp_path / "c2", edits, lengths, t_total=1.1, seed=6)
    code, verdict, _ = gate(tmp_path / "v2", base, fine, gating)
    latency = next(c for c in verdict["cells"] if c["kind"] == "latency")
    assert code == 0 and latency["reason"].startswith("t_total_p50 ratio 1.1") and "is within 1.25" in latency["reason"]


def test_config_rules_most_specific_wins_and_bad_rules_are_named(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "confidence: 0.9\nrules:\n  - metric: wer\n    max_regression: 0.01\n"
        "  - metric: wer\n    task: asr\n    rate: 4\n    max_regression: 5%\n"
    )
    config = load_config(path)
    assert config.confidence == 0.9
    assert config.rule_for("asr", "4", "wer").relative and config.rule_for("asr", "4", "wer").max_regression == 0.05
    assert config.rule_for("asr", "6.25", "wer").max_regression == 0.01
    assert config.rule_for("qa", "6.25", "qa_accuracy").relative  # default: 5% of the baseline
    path.write_text("rules:\n  - metric: wer\n    max_regresion: 0.01\n")
    with pytest.raises(GateConfigError, match="rules.0.max_regresion: unknown key"):
        load_config(path)


def test_runs_without_shared_cells_cannot_be_compared(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths)
    for f in ("samples.jsonl", "scores.jsonl"):
        text = (cand / f).read_text().replace('"asr"', '"other-task"')
        (cand / f).write_text(text)
    with pytest.raises(CannotCompare, match="no shared cells"):
        compare(load_side(base, None, "baseline"), load_side(cand, None, "candidate"), GateConfig())


def test_calibration_reports_spread_and_proposes_thresholds(tmp_path, base_data):
    lengths, p, edits = base_data
    runs = [synthetic_run(tmp_path / f"r{i}", draw_edits(lengths, p, seed=50 + i), lengths, seed=i) for i in range(4)]
    rows = {r["metric"]: r for r in calibrate(runs)}
    wer = rows["wer"]
    assert wer["n_runs"] == 4 and wer["std"] > 0 and wer["proposed_max_regression"] >= wer["worst_of_n"]
    assert rows["t_total_p50"]["proposed_max_ratio"] > 1
    result = CliRunner().invoke(main, ["gate", "calibrate", *map(str, runs), "--out", str(tmp_path / "p.yaml")])
    assert result.exit_code == 0 and "worst of N" in result.output
    assert load_config(tmp_path / "p.yaml").rule_for("asr", "6.25", "wer").source.startswith("p.yaml")


def test_a_candidate_that_fails_on_samples_the_baseline_answered_fails(tmp_path, base_data):
    lengths, p, edits = base_data
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", edits, lengths)
    lines = (cand / "samples.jsonl").read_text().splitlines()
    broken = []
    for i, line in enumerate(lines):
        record = json.loads(line)
        if i % 3 == 0:  # the candidate errors on a third of the samples; on the rest it equals the baseline
            record.update(status="error", error="boom")
        broken.append(json.dumps(record))
    (cand / "samples.jsonl").write_text("\n".join(broken) + "\n")
    code, verdict, output = gate(tmp_path, base, cand)
    coverage = next(c for c in verdict["cells"] if c["kind"] == "coverage")
    assert code == 1 and coverage["verdict"] == "fail" and "67 of 200" in coverage["reason"]


def test_rule_rates_are_normalised_and_a_rule_that_matches_nothing_is_a_configuration_error(tmp_path, base_data):
    lengths, p, edits = base_data
    config = tmp_path / "g.yaml"
    config.write_text("rules:\n  - metric: wer\n    rate: 6.250\n    max_regression: 0.5\n")
    assert load_config(config).rules[0].rate == "6.25"
    base = synthetic_run(tmp_path / "b", edits, lengths)
    cand = synthetic_run(tmp_path / "c", draw_edits(lengths, p + 0.02, seed=3), lengths)
    code, verdict, output = gate(tmp_path, base, cand, config)
    assert code == 0  # the 0.5 rule for rate 6.25 allowed it
    config.write_text("rules:\n  - metric: wer\n    task: asr-typo\n    max_regression: 0.01\n")
    code, verdict, _ = gate(tmp_path, base, cand, config)
    assert code == 2 and verdict["verdict"] == "configuration-error" and "task=asr-typo" in verdict["reason"]
    config.write_text("rules:\n  - metric: wre\n    max_regression: 0.01\n")
    with pytest.raises(GateConfigError, match=r"rules.0.metric: unknown metric 'wre'; did you mean 'wer'"):
        load_config(config)
    config.write_text("latency:\n  metric: rtf_p50\n")
    with pytest.raises(GateConfigError, match=r"latency.metric: not one of .* \(got 'rtf_p50'\)"):
        load_config(config)


def test_calibration_from_identical_runs_never_proposes_a_zero_tolerance(tmp_path, base_data):
    """Seen: two identical runs proposed max_regression 0.0, which a re-run on another day fails. Every
    proposal is above zero, says how it was derived (in the table and as a comment per rule), and the
    proposed rules, used as they are, pass the two runs."""
    lengths, p, edits = base_data
    runs = [synthetic_run(tmp_path / f"same{i}", edits, lengths, seed=i) for i in range(2)]
    rows = calibrate(runs)
    wer = next(r for r in rows if r["metric"] == "wer")
    assert wer["std"] == 0 and wer["worst_of_n"] == 0
    assert wer["proposed_max_regression"] >= wer["ci_half_width"] > 0 and wer["derived_from"] == "CI half-width"
    proposals = [r for r in rows if "proposed_max_regression" in r or "proposed_max_ratio" in r]
    assert {r["metric"] for r in proposals} == {"wer", "t_total_p50"}
    assert all(r.get("proposed_max_regression", r.get("proposed_max_ratio")) > 0 for r in proposals)
    assert all(r["derived_from"] in ("3 std", "worst difference", "CI half-width", "floor", "worst ratio + 10%",
                                     "floor 1.1") for r in proposals)  # fmt: skip
    proposed = tmp_path / "p.yaml"
    result = CliRunner().invoke(main, ["gate", "calibrate", *map(str, runs), "--out", str(proposed)])
    assert result.exit_code == 0 and "| CI half-width |" in result.output and "the largest of 3 std" in result.output
    text = proposed.read_text()
    assert "max_regression: 0\n" not in text and "max_regression: 0.0\n" not in text
    rule = text.split("rules:\n", 1)[1].split("latency:", 1)[0]
    assert rule.startswith("  # m, asr @ 6.25 Hz, 2 runs: largest of 3 std 0, worst difference 0, CI half-width ")
    assert f"-> CI half-width {wer['ci_half_width']:.3g}, rounded up to {wer['proposed_max_regression']:g}\n" in rule
    assert '\n  - metric: "wer"\n' in rule and "# m, asr @ 6.25 Hz, 2 runs: worst ratio between runs" in text
    config = load_config(proposed)
    assert config.rule_for("asr", "6.25", "wer").max_regression == wer["proposed_max_regression"]
    code, verdict, _ = gate(tmp_path, runs[0], runs[1], proposed)
    assert code == 0 and verdict["verdict"] == "pass" and verdict["config"] == str(proposed)


def test_a_proposal_shared_by_two_models_takes_the_larger_tolerance(tmp_path, base_data):
    lengths, p, edits = base_data
    easy = [synthetic_run(tmp_path / f"e{i}", draw_edits(lengths, p, seed=60 + i), lengths, seed=i) for i in (0, 1)]
    rows = calibrate(easy)
    wer = next(r for r in rows if r["metric"] == "wer")
    other = {**wer, "model": "m2", "proposed_max_regression": wer["proposed_max_regression"] * 3}
    text = proposed_yaml([*rows, other])
    assert text.count('- metric: "wer"') == 1 and "  # m, asr" in text and "  # m2, asr" in text
    (tmp_path / "p.yaml").write_text(text)
    assert load_config(tmp_path / "p.yaml").rule_for("asr", "6.25", "wer").max_regression == pytest.approx(
        other["proposed_max_regression"]
    )
