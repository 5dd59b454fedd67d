"""The Python API: evaluate() makes the run `vfr-bench run` makes, load() reads runs into tidy pandas
tables that keep two runs of one model apart, and the documentation's worked example runs as written."""

import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason="the Python API needs pandas")
pytest.importorskip("matplotlib", reason="its figures need: pip install 'vfr-bench[report]'")

import vfr_bench  # noqa: E402
from tests.report_runs import write_quality_run  # noqa: E402
from vfr_bench.api.evaluate import NothingMeasured  # noqa: E402
from vfr_bench.report.results import describe_columns  # noqa: E402
from vfr_bench.run_dir import RunDirError  # noqa: E402
from vfr_bench.validation import ConfigError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "vfr-bench")
FLEXI = (("flexislm-7b", 1.0),)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    return write_quality_run(root / "a", FLEXI, seed=1), write_quality_run(root / "b", FLEXI, seed=2)


def test_load_gives_documented_tidy_tables_that_keep_runs_apart(two_runs):
    a, b = two_runs
    results = vfr_bench.load(a, b, labels={a: "A"})
    for name, columns in describe_columns().items():
        assert list(getattr(results, name).columns) == columns
    assert list(results.samples["rate_spec"].cat.categories) == ["12.5", "6.25", "4"]
    assert results.samples["rate_spec"].cat.ordered and results.summary["requested_hz"].cat.ordered
    assert list(results.summary["label"].cat.categories)[:2] == ["A", "flexislm-7b (b)"]
    assert len(results.samples) == 2 * 3 * 12 and (results.scores["metric"] == "wer").sum() == 2 * 3 * 12
    for run in (a, b):  # each run's summary.csv, unchanged, under its own label
        rows = results.summary[(results.summary["run"] == str(run)) & (results.summary["metric"] == "wer")]
        on_disk = _csv(run / "summary.csv")
        expected = {r["rate_spec"]: float(r["value"]) for r in on_disk if r["metric"] == "wer"}
        assert dict(zip(rows["rate_spec"].astype(str), rows["value"])) == expected
    assert set(results.manifests) == {str(a), str(b)}


def _csv(path):
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_load_reads_what_the_typed_reader_reads(two_runs, tmp_path):
    """The column reader follows the line reader: a cut tail is left out, a retried sample's latest
    record wins, and a damaged line is named with its file and number."""
    run = tmp_path / "run"
    shutil.copytree(two_runs[0], run)
    lines = (run / "samples.jsonl").read_text().splitlines(keepends=True)
    (run / "samples.jsonl").write_text("".join(lines) + lines[0][:40])  # a write cut short
    assert len(vfr_bench.load(run).samples) == len(lines)
    (run / "samples.jsonl").write_text("".join(lines[:5]) + '{"model": "x", "rate_spec": 4}\n' + "".join(lines[5:]))
    with pytest.raises(RunDirError, match=r"samples.jsonl:6 is not a valid SampleRecord"):
        vfr_bench.load(run)


def test_load_refuses_a_summary_the_run_has_moved_on_from(two_runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(two_runs[0], run)
    scores = (run / "scores.jsonl").read_text().splitlines(keepends=True)
    (run / "scores.jsonl").write_text("".join(scores[:-1]))  # one score lost since the summary
    with pytest.raises(RunDirError, match=r"summary.csv is out of date \(.* has n=12 but 11 scores\)"):
        vfr_bench.load(run)
    (run / "scores.jsonl").write_text("".join(scores))
    sample = json.loads((run / "samples.jsonl").read_text().splitlines()[0])
    with open(run / "samples.jsonl", "a") as f:  # a resume added a sample, not scored yet
        f.write(json.dumps({**sample, "sample_id": "s99"}) + "\n")
    with pytest.raises(RunDirError, match=r"out of date \(1 ok sample\(s\) have no scores\)"):
        vfr_bench.load(run)


def test_load_refuses_what_would_merge_or_name_nothing(two_runs, tmp_path):
    a, b = two_runs
    with pytest.raises(ValueError, match="more than once"):
        vfr_bench.load(a, a)
    with pytest.raises(ValueError, match="names no run"):
        vfr_bench.load(a, labels={tmp_path: "x"})
    with pytest.raises(ValueError, match="would draw two series as one"):
        vfr_bench.load(a, b).relabel({"flexislm-7b (a)": "flexislm-7b (b)"})


def test_importing_the_package_stays_light():
    code = "import sys, vfr_bench; print(sorted(m for m in ('pandas', 'pyarrow', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]"
    assert sorted(vfr_bench.__all__) == ["Results", "__version__", "evaluate", "load", "write_html"]
    assert all(getattr(vfr_bench, name) for name in vfr_bench.__all__)


def test_evaluate_refuses_an_unknown_option(tmp_path):
    with pytest.raises(ConfigError, match="limt: unknown key"):
        vfr_bench.evaluate(out=tmp_path / "run", limt=2)


def test_evaluate_and_the_cli_write_the_same_run_directory(tmp_path):
    args = dict(models=["training-free-uniform"], rates="12.5,4", tasks="asr", limit=3)
    results = vfr_bench.evaluate(**args, out=tmp_path / "api")
    done = subprocess.run(
        [CLI, "run", "--model", "training-free-uniform", "--rates", "12.5,4", "--tasks", "asr", "--limit", "3",
         "--out", str(tmp_path / "cli")], capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    api, cli = (vfr_bench.load(tmp_path / name) for name in ("api", "cli"))
    same = ["model", "task", "rate_spec", "sample_id", "status", "text", "achieved_input_hz"]
    assert api.samples[same].equals(cli.samples[same])
    quality = api.summary["metric"] == "wer"
    assert api.summary.loc[quality, ["value", "ci_low", "ci_high", "n"]].equals(
        cli.summary.loc[cli.summary["metric"] == "wer", ["value", "ci_low", "ci_high", "n"]]
    )
    keep = ("models", "rate_specs", "tasks", "metrics", "seed", "device", "warmup_requests_per_cell")
    manifests = [json.loads((tmp_path / n / "manifest.json").read_text()) for n in ("api", "cli")]
    assert [{k: m[k] for k in keep} for m in manifests][0] == {k: manifests[1][k] for k in keep}
    assert len(results.samples) == 6
    # the training-free models says where its groups fall: the allocation analyses are computed on its runs
    assert {"achieved_hz_speech", "silence_unit_share", "boundary_precision"} <= set(api.summary["metric"])


def test_evaluate_says_when_nothing_was_measured(tmp_path):
    """The training-free models cannot answer spoken questions: every sample is skipped."""
    with pytest.raises(NothingMeasured, match="every sample was skipped"):
        vfr_bench.evaluate(
            models=["training-free-dynamic"], rates="12.5", tasks="spoken-qa", limit=2, out=tmp_path / "r"
        )


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    page = (REPO / "docs" / "python-api.md").read_text()  # the documentation's Python API page
    code = re.search(r"```python\n(.*?)```", page, flags=re.S).group(1)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no sample may fail in the example
        exec(compile(code, "docs/python-api.md", "exec"), {})
    assert (tmp_path / "wer_by_rate.pdf").stat().st_size > 1000 and (tmp_path / "pareto.pdf").stat().st_size > 1000
    results = vfr_bench.load(tmp_path / "results" / "demo-greedy", tmp_path / "results" / "demo-beam")
    assert len(results.labels) == 2
