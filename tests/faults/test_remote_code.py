"""Remote code runs only when the user said yes, through every path that can say it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vfr_bench.baselines.kimi_audio import KimiAudioAdapter
from vfr_bench.cli import main
from vfr_bench.models import ModelRegistry
from vfr_bench.run.settings import RunSettings, resolve


@pytest.mark.parametrize("value", ["none", "n", "disabled", "maybe", "", "2"])
def test_a_value_that_is_not_a_boolean_is_refused_not_read_as_true(value):
    """Seen: trust_remote_code=none (and n, disabled) was read as True."""
    with pytest.raises(ValueError, match="expected a boolean, one of true, 1, yes, false, 0, no"):
        KimiAudioAdapter(device="cuda", trust_remote_code=value)


@pytest.mark.parametrize("value, meant", [("False ", False), ("NO", False), ("0", False), ("Yes", True), ("1", True)])
def test_the_accepted_spellings(value, meant):
    assert KimiAudioAdapter(device="cuda", trust_remote_code=value).config["trust_remote_code"] is meant


def test_the_command_line_refuses_it_before_any_work(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            "kimi-audio",
            "--model-arg",
            "kimi-audio:trust_remote_code=none",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 1 and "trust_remote_code='none': expected a boolean" in " ".join(result.output.split())
    assert not (tmp_path / "r" / "samples.jsonl").exists()


def test_the_config_file_path_and_the_flag(tmp_path):
    config = resolve(RunSettings(models=["kimi-audio"], model_args={"kimi-audio": {"trust_remote_code": "none"}}), [])
    with pytest.raises(ValueError, match="expected a boolean"):
        ModelRegistry().create("kimi-audio", device="cuda", options=config.model_options["kimi-audio"])
    flagged = resolve(RunSettings(models=["kimi-audio", "training-free-dynamic"], trust_remote_code=True), [])
    assert flagged.model_options == {"kimi-audio": {"trust_remote_code": "true"}, "training-free-dynamic": {}}
    unflagged = resolve(RunSettings(models=["kimi-audio"]), [])
    assert unflagged.model_options == {"kimi-audio": {}}
    assert KimiAudioAdapter(device="cuda").config["trust_remote_code"] is False  # off unless said
