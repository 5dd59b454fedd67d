"""Names given up in a rename ("reference" for the built-in models and the training command) are
refused where they enter, with one line naming the new one, and never run as an alias; run
directories written under the old names still read (the gate pairs them, the report colours them)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import vfr_bench
from vfr_bench.cli import COMMANDS, main
from vfr_bench.gate.pairs import pair_models
from vfr_bench.models import ModelRegistry
from vfr_bench.registry import UnknownName
from vfr_bench.renamed import RENAMED_COMMANDS, RENAMED_MODELS
from vfr_bench.report.style import model_index
from vfr_bench.validation import ConfigError


def one_line(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.parametrize("old, new", sorted(RENAMED_MODELS.items()))
def test_an_old_model_name_on_the_command_line_is_refused_with_its_new_name(tmp_path, old, new):
    result = CliRunner().invoke(main, ["run", "--model", old, "--limit", "1", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert f"model {old!r} is now called {new!r}" in one_line(result.output)
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "option", [["--model-arg", "reference-uniform:beam_size=2"], ["--model-env", "reference-uniform=/no/such/env"]]
)
def test_an_old_model_name_in_a_per_model_option_is_refused(tmp_path, option):
    result = CliRunner().invoke(
        main, ["run", "--model", "training-free-uniform", *option, "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2, result.output
    assert "model 'reference-uniform' is now called 'training-free-uniform'" in one_line(result.output)


def test_an_old_model_name_in_a_run_config_is_refused(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("models: [mini-dynamic, reference-dynamic]\nlimit: 1\n")
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert "model 'reference-dynamic' is now called 'training-free-dynamic'" in one_line(result.output)
    assert not (tmp_path / "r").exists()


def test_the_python_api_and_the_registry_refuse_an_old_name(tmp_path):
    with pytest.raises(ConfigError, match="'reference' is now called 'training-free-dynamic'"):
        vfr_bench.evaluate(models=["reference"], rates="12.5", tasks="asr", limit=1, out=tmp_path / "r")
    with pytest.raises(UnknownName, match="'reference-threshold' is now called 'training-free-threshold'"):
        ModelRegistry().create("reference-threshold")
    assert not (tmp_path / "r").exists()


def test_the_old_training_command_is_refused_with_its_new_name():
    result = CliRunner().invoke(main, ["train-reference", "--steps", "1"])
    assert result.exit_code == 2
    assert "command 'train-reference' is now called 'train-mini'" in result.output
    assert len(result.output.strip().splitlines()) == 1  # one line, no usage block


def test_each_new_name_exists_and_no_old_name_does():
    registered = set(ModelRegistry().names())
    assert set(RENAMED_MODELS.values()) <= registered
    assert not set(RENAMED_MODELS) & registered
    assert set(RENAMED_COMMANDS.values()) <= set(COMMANDS) and not set(RENAMED_COMMANDS) & set(COMMANDS)
    assert "train-mini" in CliRunner().invoke(main, ["--help"]).output


def test_the_gate_pairs_a_run_recorded_under_the_old_names_with_one_under_the_new():
    pairing = pair_models(
        ["mini-dynamic", "reference-dynamic", "reference-uniform"],
        ["mini-dynamic", "training-free-dynamic", "training-free-uniform"],
    )
    assert pairing.pairs == [
        ("mini-dynamic", "mini-dynamic"),
        ("reference-dynamic", "training-free-dynamic"),
        ("reference-uniform", "training-free-uniform"),
    ]
    assert pairing.lost == [] and pairing.new == []
    lost = pair_models(["reference-dynamic", "reference-uniform"], ["training-free-dynamic", "mini-uniform"])
    assert lost.lost == ["reference-uniform"] and lost.new == ["mini-uniform"]


def test_the_gate_passes_a_run_of_the_new_names_against_one_of_the_old(tmp_path):
    """The same answers recorded once as reference-* (before the rename) and once as training-free-*."""
    from tests.html_runs import write_html_run

    old = write_html_run(tmp_path / "old", (("reference-uniform", 0), ("reference-dynamic", 2)), error=False)
    new = write_html_run(tmp_path / "new", (("training-free-uniform", 0), ("training-free-dynamic", 2)), error=False)
    verdict = tmp_path / "verdict.json"
    result = CliRunner().invoke(main, ["gate", "--baseline", str(old), "--candidate", str(new), "--json", str(verdict)])
    assert result.exit_code == 0, result.output
    assert "2 models paired by name" in result.output
    models = json.loads(verdict.read_text())["models"]
    assert sorted((m["baseline"]["model"], m["candidate"]["model"]) for m in models) == [
        ("reference-dynamic", "training-free-dynamic"),
        ("reference-uniform", "training-free-uniform"),
    ]


def test_a_model_keeps_its_colour_across_the_rename():
    for old, new in RENAMED_MODELS.items():
        assert model_index(old) == model_index(new)
    assert model_index("training-free-dynamic") != model_index("training-free-uniform")
