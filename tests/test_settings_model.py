"""One settings model: `vfr-bench run`'s options, a run config's keys and `vfr_bench.evaluate`'s keywords
are its fields, merged one way."""

import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.run.judge_choice import JudgeChoice
from vfr_bench.run.settings import RunSettings, SettingsError, merge_settings
from vfr_bench.validation import ConfigError


def run_help() -> str:
    return CliRunner().invoke(main, ["run", "--help"], terminal_width=200).output


def test_every_setting_is_an_option_of_run_with_its_help():
    text = run_help()
    for name, info in [*RunSettings.model_fields.items(), *JudgeChoice.model_fields.items()]:
        if name == "judges":
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        flag = extra.get("flag", "--" + name.replace("_", "-"))
        assert flag in text, name
        assert info.description and info.description.split()[0] in text, name


def test_the_command_line_and_a_config_file_merge_one_way(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(
        "model_args: {training-free-uniform: {beam_size: 5, cpu_threads: 2}}\n"
        "model_envs: {mimo-audio: mimo}\njudges: {asr_judge: base, judge_samples: 3}\nlimit: 4\n"
    )
    given = {"model_args": ["training-free-uniform:beam_size=1"], "judges": {"asr_judge": "tiny.en"}, "seed": 7}
    merged = merge_settings(config, given, "test")
    assert merged.model_args == {"training-free-uniform": {"beam_size": "1", "cpu_threads": 2}}  # key by key
    assert merged.model_envs == {"mimo-audio": "mimo"}
    assert (merged.judges.asr_judge, merged.judges.judge_samples) == ("tiny.en", 3)
    assert (merged.limit, merged.seed) == (4, 7)


def test_evaluate_and_run_read_the_same_settings(tmp_path):
    from vfr_bench.api.evaluate import run_settings

    config = tmp_path / "run.yaml"
    config.write_text("model_args: {'*': {cpu_threads: 2}}\nrates: '12.5,4'\n")
    given = {"model_args": {"training-free-uniform": {"beam_size": 3}}, "limit": 2, "data": None}
    assert run_settings(config, given) == merge_settings(config, {k: v for k, v in given.items() if v}, "x")


def test_a_judge_backend_no_registry_holds_is_refused_with_a_suggestion(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("judges: {asr_judge_backend: fastr-whisper}\n")
    with pytest.raises(ConfigError, match="did you mean 'faster-whisper'"):
        merge_settings(config, {}, "test")
    result = CliRunner().invoke(main, ["run", "--asr-judge-backend", "fastr-whisper"])
    assert result.exit_code == 2 and "did you mean 'faster-whisper'" in result.output
    score = CliRunner().invoke(main, ["score", str(tmp_path), "--asr-judge-backend", "nope"])
    assert score.exit_code == 2 and "unknown ASR judge backend" in score.output


def test_malformed_repeatable_options_name_their_option():
    with pytest.raises(SettingsError) as err:
        merge_settings(None, {"model_envs": ["mimo-audio"]}, "test")
    assert err.value.param == "model-env"
    result = CliRunner().invoke(main, ["run", "--model-arg", "beam_size"])
    assert result.exit_code == 2 and "--model-arg" in result.output


def test_flags_and_switches_keep_their_spelling():
    text = run_help()
    assert "--score / --no-score" in text and "--overlap-scoring / --no-overlap-scoring" in text
    assert "--resume " in text and "--resume BOOLEAN" not in text
