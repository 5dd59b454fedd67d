"""What the command line prints: the results table at 100 columns (essential columns whole, the
rest left out with a note, --wide for all, the judge ceiling as a line), `list` (names whole,
--json, --details) and one error prefix."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.cli.console import results_table
from vfr_bench.records import SampleRecord, SummaryRow

# a long built-in name; training-free-threshold (two letters longer) answers no spoken-qa, whose two
# metric columns are what leaves no room for t_total beside it at 100 columns
MODELS = ("training-free-uniform", "qwen2.5-omni")
TASKS = {"asr": ["wer"], "rate-fidelity": [], "spoken-qa": ["qa_accuracy", "qa_accuracy_s2s"]}
RATES = {"12.5": 12.5, "6.25:12.5": 6.25}


def row(model: str, task: str, rate: str, metric: str, value: float, ci: float | None = 0.1, n: int = 24):
    hz = RATES.get(rate)
    return SummaryRow(
        model=model, task=task, rate_spec=rate, requested_input_hz=hz, metric=metric, value=value,
        ci_low=None if ci is None else value - ci, ci_high=None if ci is None else value + ci, n=n,
        aggregation="mean",
    )  # fmt: skip


def grid() -> tuple[list[SummaryRow], list[SampleRecord]]:
    """Two models x two rate specs x asr, rate-fidelity and spoken QA, every metric the run writes."""
    rows, samples = [], []
    for model in MODELS:
        for rate, hz in RATES.items():
            for task, metrics in TASKS.items():
                samples += [
                    SampleRecord(model=model, task=task, rate_spec=rate, sample_id=f"s{i}", status="ok",
                                 requested_input_hz=hz)
                    for i in range(3)
                ]  # fmt: skip
                rows += [
                    row(model, task, rate, "achieved_input_hz", hz * 1.0123, ci=None),
                    row(model, task, rate, "input_rate_abs_error_p95", 0.0321, ci=None),
                    row(model, task, rate, "achieved_output_hz", 12.4567, ci=None),
                    row(model, task, rate, "output_rate_abs_error_p95", 0.0123, ci=None),
                    row(model, task, rate, "t_total_p50", 1.2345),
                ]
                rows += [row(model, task, rate, m, 0.5 + 0.01 * i) for i, m in enumerate(metrics)]
    rows.append(row("judge-ceiling", "spoken-qa", "native", "qa_accuracy_s2s", 0.73, ci=0.09, n=100))
    return rows, samples


def render(table, width: int) -> list[str]:
    out = StringIO()
    from rich.console import Console

    Console(file=out, width=width, color_system=None).print(table, crop=False)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def body(lines: list[str]) -> list[str]:
    """The table's rows: the lines that start with a model name."""
    return [line for line in lines if line.startswith(MODELS)]


def test_at_100_columns_the_essential_columns_are_whole_and_the_rest_named_as_left_out():
    rows, samples = grid()
    lines = render(results_table(rows, samples, TASKS), 100)
    assert max(map(len, lines)) <= 100
    table = body(lines)
    assert len(table) == 2 * 2 * 3  # a row per cell; the judge ceiling is no row
    header = next(line for line in lines if line.startswith("model"))
    assert re.split(r"\s{2,}|\s(?=\S)", header)[:2] == ["model", "task"]
    assert "rate" in header and "in Hz" in header and "main metric [95% CI]" in header
    for line in table:
        model, task, rate, *_ = line.split()
        assert model in MODELS and task in TASKS and rate in RATES  # never cut
        hz = RATES[rate] * 1.0123
        assert f"{hz:.2f} (3.2%)" in line  # achieved input Hz with its p95 error, whole
        if task == "asr":
            assert "wer 0.500 [0.400, 0.600]" in line
        if task == "spoken-qa":
            assert "qa_accuracy 0.500 [0.400, 0.600]" in line
    note = next(line for line in lines if line.startswith("not shown at 100 columns:"))
    assert "qa_accuracy_s2s [95% CI]" in note and "--wide" in note
    assert "qa_accuracy_s2s [95% CI]" not in header


def test_wide_shows_every_column_however_narrow_the_console():
    rows, samples = grid()
    lines = render(results_table(rows, samples, TASKS, wide=True), 100)
    header = next(line for line in lines if line.startswith("model"))
    for heading in ("out Hz", "qa_accuracy_s2s [95% CI]", "t_total", "samples"):
        assert heading in header
    assert not any(line.startswith("not shown") for line in lines)
    qa = next(line for line in body(lines) if " spoken-qa " in line)
    assert "0.510 [0.410, 0.610]" in qa and "1.234" in qa and "3/0/0" in qa


def test_essential_columns_wider_than_the_console_are_never_cut():
    rows, samples = grid()
    long = "flexislm-7b-stage2-ckpt-0412-with-a-name-longer-than-a-terminal-wants"
    rows = [r.model_copy(update={"model": long}) if r.model == MODELS[0] else r for r in rows]
    samples = [s.model_copy(update={"model": long}) if s.model == MODELS[0] else s for s in samples]
    lines = render(results_table(rows, samples, TASKS), 100)
    wide_rows = [line for line in lines if line.startswith(long)]
    assert len(wide_rows) == 6 and all("wer 0.500 [0.400, 0.600]" in r for r in wide_rows if " asr " in r)


def test_the_judge_ceiling_is_a_line_under_the_table_not_a_model():
    rows, samples = grid()
    lines = render(results_table(rows, samples, TASKS), 200)
    assert not any(line.startswith("judge-ceiling") for line in lines)
    assert [line for line in lines if line.startswith("judge ceiling")] == [
        "judge ceiling (spoken-qa, qa_accuracy_s2s): 0.730 [0.640, 0.820], n=100 (a correct answer spoken by "
        "TTS, then judged)"
    ]
    assert lines.index(next(line for line in lines if line.startswith("judge ceiling"))) > lines.index(body(lines)[-1])


def test_without_the_tasks_metrics_the_main_metric_comes_from_the_rows():
    """`vfr-bench score` passes no task metrics: a task's quality metrics by name, the ceiling's excluded."""
    rows, samples = grid()
    lines = render(results_table(rows, samples), 200)
    qa = next(line for line in body(lines) if " spoken-qa " in line)
    assert "qa_accuracy 0.500 [0.400, 0.600]" in qa and "0.510 [0.410, 0.610]" in qa


def invoke(*args: str, columns: int = 100):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": str(columns)}, catch_exceptions=False)


def test_list_never_cuts_a_name_and_says_what_it_left_out():
    from vfr_bench.task_files import all_tasks

    for what, names in (("tasks", list(all_tasks())), ("models", ["training-free-threshold", "qwen2.5-omni"])):
        result = invoke("list", what)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert max(map(len, lines)) <= 100
        first_cells = {line.split("│")[1].strip() for line in lines if line.startswith("│")}
        assert set(names) <= first_cells, f"{what}: cut or missing {set(names) - first_cells}"
    assert "not shown at 100 columns: description" in invoke("list", "tasks").output
    assert "not shown" not in invoke("list", "tasks", columns=400).output


def test_list_json_is_machine_readable():
    tasks = json.loads(invoke("list", "tasks", "--json").output)
    asr = next(t for t in tasks if t["name"] == "asr")
    assert asr["metrics"] == ["wer"] and asr["request"] == ["asr"] and asr["size"] == "24"
    models = {m["name"]: m for m in json.loads(invoke("list", "models", "--json").output)}
    options = {o["name"]: o for o in models["training-free-uniform"]["options"]}
    assert options["beam_size"] == {
        "name": "beam_size", "type": "int", "default": 1, "fixed": False, "help": "decoder beam size (1 = greedy)"
    }  # fmt: skip
    assert options["strategy"]["default"] == "uniform" and options["strategy"]["fixed"]
    for what in ("metrics", "loaders", "judges"):
        assert isinstance(json.loads(invoke("list", what, "--json").output), list)


def test_list_models_details_shows_each_adapters_options():
    out = invoke("list", "models", "--details", columns=200).output
    section = out[out.index("training-free-uniform: --model-arg training-free-uniform:KEY=VALUE") :]
    beam = next(line for line in section.splitlines() if "beam_size" in line)
    assert [c.strip() for c in beam.split("│")[1:4]] == ["beam_size", "int", "1"]
    assert "decoder beam size (1 = greedy)" in beam
    strategy = next(line for line in section.splitlines() if " strategy " in line)
    assert "uniform" in strategy and "fixed by this name" in strategy
    refused = invoke("list", "tasks", "--details")
    assert refused.exit_code == 2 and "Error: --details shows adapter options" in refused.output


@pytest.mark.parametrize(
    "args, code",
    [
        (["run", "--model", "training-free-unifrom"], 1),  # a library error, through common.fail
        (["run", "--rates", "12.5:abc"], 2),  # a usage error, through click
        (["report", "/nonexistent/run"], 2),
        (["check", "/nonexistent/run"], 2),
    ],
)
def test_every_error_starts_the_same_way(tmp_path, args, code):
    result = CliRunner().invoke(main, [*args, *(["--out", str(tmp_path / "r")] if args[0] == "run" else [])])
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if "rror" in line]
    assert errors and all(line.startswith("Error: ") for line in errors), result.output


def test_a_library_fault_through_the_group_starts_the_same_way(tmp_path):
    """An expected fault caught by the main group (vfr_bench.io_errors) says it in the same words."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "samples.jsonl").write_text('{"model": 1}\n')
    result = CliRunner().invoke(main, ["score", str(run)])
    assert result.exit_code == 1 and result.output.startswith("Error: "), result.output


def test_a_gate_that_cannot_compare_starts_the_same_way(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    md = tmp_path / "pr.md"
    args = ["gate", "--baseline", str(tmp_path / "a"), "--candidate", str(tmp_path / "b"), "--markdown", str(md)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.output.startswith("Error: cannot compare: baseline"), result.output
    assert md.read_text().startswith("## vfr-bench gate: no verdict (exit 2)")


def test_at_100_columns_t_total_stays_and_the_samples_column_is_the_first_to_go():
    """t_total is one of the three things vfr-bench measures: never left out for the samples column."""
    rows, samples = grid()
    full = results_table(rows, samples, TASKS, wide=True).full_width()
    for width in (100, full - 1):
        lines = render(results_table(rows, samples, TASKS), width)
        header = next(line for line in lines if line.startswith("model"))
        assert "t_total" in header and "samples" not in header
        assert all("1.234" in line for line in body(lines))  # t_total p50 in every row
        note = next(line for line in lines if line.startswith(f"not shown at {width} columns:"))
        assert "samples" in note.split(";")[0]
    lines = render(results_table(rows, samples, TASKS), full - 1)  # one column too narrow: only samples goes
    header = next(line for line in lines if line.startswith("model"))
    assert "out Hz" in header and "qa_accuracy_s2s [95% CI]" in header
    assert next(line for line in lines if line.startswith("not shown")).startswith(
        f"not shown at {full - 1} columns: samples;"
    )


def test_list_views_keep_every_hint_whole_and_name_each_column_they_leave_out():
    """`list tasks` cut the one hint a user needs (the environment variable) with an ellipsis."""
    for what in ("tasks", "metrics", "models", "loaders", "judges"):
        output = invoke("list", what).output
        rows = json.loads(invoke("list", what, "--json").output)
        assert "…" not in output and max(map(len, output.splitlines())) <= 100, what
        words = set(output.replace("│", " ").split())
        heading_words = " ".join(line for line in output.splitlines() if line.startswith("┃")).split()
        keys = {k.replace("_", " ") for k in rows[0] if k != "options"}
        shown = {k for k in keys if set(k.split()) <= set(heading_words)}  # headings may wrap too
        left_out = keys - shown
        note = [line for line in output.splitlines() if line.startswith("not shown at 100 columns:")]
        if left_out:
            named = note[0].removeprefix("not shown at 100 columns: ").split(" (--json")[0].split(", ")
            assert set(named) == left_out, what
        else:
            assert not note, what
        for row in rows:  # every shown cell's words are whole (wrapped between words, never inside one)
            for key, value in row.items():
                if key.replace("_", " ") in shown and isinstance(value, str):
                    assert set(value.split()) <= words, (what, key, value)
    tasks = invoke("list", "tasks").output
    assert "HF_DATASETS_OFFLINE=1)" in tasks and "LIBRISPEECH_ROOT" in tasks
