"""Configuration is checked where it enters: task files, data specs, gate rules, the run config file.
Every error names the file, the key path and what was expected; nothing reaches a loader raw."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.helpers import write_manifest
from vfr_bench.cli import main
from vfr_bench.data.loaders import parse_data_spec
from vfr_bench.gate.config import GateConfigError, load_config
from vfr_bench.run.settings import RunSettings, load_settings, resolve
from vfr_bench.task import TaskError
from vfr_bench.task_files import load_task_file
from vfr_bench.validation import ConfigError


def task_file(tmp_path, body: str):
    path = tmp_path / "t.yaml"
    path.write_text("name: t\nrequest: [asr]\n" + body)
    return path


def test_a_misspelt_nested_data_key_names_file_path_and_the_allowed_keys(tmp_path):
    path = task_file(tmp_path, "data: {loader: huggingface, name: x/y, fields: {id: id, txt: text}}\n")
    with pytest.raises(TaskError) as err:
        load_task_file(path)
    assert str(err.value) == (
        f"{path}: data.fields.txt: unknown key (allowed: answers, audio, id, language, question, text)"
    )


@pytest.mark.parametrize(
    "body, words",
    [
        ("data: builtin:read-speech-en\nversion: one\n", "version: Input should be a valid integer"),
        ("data: builtin:read-speech-en\nmetrics: [wre]\n", "metrics: unknown metric 'wre'; did you mean 'wer'?"),
        ("data: builtin:read-speech-en\nmetrics: [t_total_p50]\n", "is a latency metric, scored on every task"),
        ("data: {loader: hugginface, name: x}\n", "data.loader: unknown data loader 'hugginface'; did you mean"),
        ("data: {loader: librispeech}\n", "data.path: missing required key"),
        ("data: builtin:read-speech-en\nnoise: {kinds: [whte]}\n", "noise.kinds.0: Input should be 'white'"),
        ("data: builtin:read-speech-en\nrequires: [txt]\n", "requires.0: Input should be 'text'"),
        ("data: builtin:read-speech-en\ncolour: red\n", "colour: unknown key (allowed: class, data, description"),
        ("data: [1, 2]\n", "data: a string (builtin:NAME or a manifest path) or a mapping with a 'loader'"),
    ],
)
def test_task_file_errors_say_where_and_what(tmp_path, body, words):
    with pytest.raises(TaskError, match=r"t\.yaml: ") as err:
        load_task_file(task_file(tmp_path, body))
    assert words in str(err.value)


def test_data_specs_from_strings_and_mappings():
    assert parse_data_spec("builtin:read-speech-en").model_dump() == {
        "loader": "builtin", "name": "read-speech-en", "languages": None,
    }  # fmt: skip
    assert parse_data_spec("x/m.jsonl").model_dump() == {"loader": "manifest", "path": "x/m.jsonl"}
    with pytest.raises(ConfigError, match="give the data set's hub `name` or the `path`"):
        parse_data_spec({"loader": "huggingface", "split": "test"})


def test_gate_rules_nested_keys_are_checked(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("latency:\n  max_ration: 1.3\nrate_fidelity: {max_abs_error: -1}\n")
    with pytest.raises(GateConfigError) as err:
        load_config(path)
    assert "latency.max_ration: unknown key (allowed: max_ratio, metric, report_only)" in str(err.value)
    assert "rate_fidelity.max_abs_error: Input should be greater than or equal to 0" in str(err.value)


def test_a_run_config_file_is_checked_and_command_line_options_win(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = write_manifest(tmp_path / "data", n=2)
    config = tmp_path / "run.yaml"
    config.write_text(
        f"models: training-free-uniform\nrates: [6.25, 4]\ntasks: [asr]\ndata: {data}\nlimit: 1\nwarmup: 0\n"
        f"out: {tmp_path / 'from-file'}\nmodel_args: {{training-free-uniform: {{beam_size: 2}}}}\nscore: false\n"
    )
    settings = load_settings(config)
    resolved = resolve(settings, ["test"])
    assert [s.label for s in resolved.rate_specs] == ["6.25", "4"] and resolved.limit == 1
    assert resolved.model_options == {"training-free-uniform": {"beam_size": 2}}
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--rates", "4", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "from-file").exists() and (tmp_path / "cli" / "samples.jsonl").is_file()
    assert "not scored" in result.output  # the file's score: false held; --rates and --out won
    lines = (tmp_path / "cli" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"rate_spec":"4"' in lines[0]


def test_a_run_config_file_with_a_wrong_key_is_a_usage_error(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("modles: [training-free-dynamic]\njudges: {asr_judge_backnd: x}\n")
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "run.yaml: " in text and "modles: unknown key" in text and "judges.asr_judge_backnd: unknown key" in text


def test_settings_errors_name_the_option():
    with pytest.raises(ConfigError, match="'nobody' is not one of the models run"):
        resolve(RunSettings(model_args={"nobody": {"x": 1}}, tasks="asr"), [])


def test_a_broken_task_file_on_the_task_path_is_named_not_a_traceback(tmp_path, monkeypatch):
    (tmp_path / "x.yaml").write_text("name: x\nrequest: [asr]\ndata: {loader: manifest, pth: a.jsonl}\n")
    monkeypatch.setenv("VFR_BENCH_TASK_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["list", "tasks"])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert "x.yaml: data.path: missing required key; data.pth: unknown key (allowed: loader, path)" in " ".join(
        result.output.split()
    )
