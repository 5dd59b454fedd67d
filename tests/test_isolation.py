"""Models in another virtual environment, behind the worker protocol, with the training-free models."""

import numpy as np
import pytest

from tests.helpers import parent_env_venv, write_manifest
from vfr_bench.isolation import remote
from vfr_bench.isolation.envs import env_python
from vfr_bench.jsonl import read_jsonl
from vfr_bench.protocol import AdapterUnavailable, Request
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks

pytest.importorskip("faster_whisper", reason="the worker runs a training-free model: pip install 'vfr-bench[builtin]'")


@pytest.fixture(scope="module")
def second_env(tmp_path_factory):
    return parent_env_venv(tmp_path_factory.mktemp("env2"))


def test_worker_answers_like_the_in_process_adapter(second_env):
    from vfr_bench.models import ModelRegistry

    adapter = remote.RemoteAdapter("training-free-uniform", second_env)
    try:
        assert adapter.capabilities == frozenset({"asr", "resynth"})
        assert adapter.rate_control_for().kind == "controllable"
        adapter.load()
        audio = (0.1 * np.sin(np.arange(32000) / 16000 * 2 * np.pi * 220)).astype(np.float32)
        out = adapter.generate(Request("resynth", "x", audio, input_hz=12.5, output_hz=6.25))
        local = ModelRegistry().create("training-free-uniform")
        local.load()
        expected = local.generate(Request("resynth", "x", audio, input_hz=12.5, output_hz=6.25))
        assert (out.n_input_tokens, out.n_output_tokens) == (expected.n_input_tokens, expected.n_output_tokens)
        assert out.audio.shape == expected.audio.shape and out.extra["worker_seconds"] > 0
        # where its units fall and what they are cross the process boundary unchanged
        assert [tuple(s) for s in out.input_unit_spans] == expected.input_unit_spans
        assert adapter.token_alphabets() == local.token_alphabets()
        assert adapter.describe()["env_python"] == second_env
    finally:
        adapter.close()


def test_a_killed_worker_fails_one_request_then_restarts(second_env):
    adapter = remote.RemoteAdapter("training-free-dynamic", second_env)
    audio = (0.1 * np.random.default_rng(0).standard_normal(16000)).astype(np.float32)
    try:
        adapter.load()
        adapter._channel.process.kill()
        adapter._channel.process.wait()
        with pytest.raises(remote.WorkerDied, match="ended"):
            adapter._call({"op": "generate", "request": {}}, 60)
        out = adapter.generate(Request("asr", "y", audio, input_hz=6.25))
        assert out.n_input_tokens > 0 and adapter.restarts == 1
    finally:
        adapter.close()


def test_worker_killed_mid_run_is_recorded_and_the_run_goes_on(tmp_path, second_env, monkeypatch):
    manifest = write_manifest(tmp_path / "data", n=4)
    real_call = remote.RemoteAdapter._call
    state = {"generates": 0}

    def killing_call(self, message, timeout):
        if message["op"] == "generate":
            state["generates"] += 1
            if state["generates"] == 3:  # the worker dies while the third sample is in flight
                self._channel.process.kill()
                self._channel.process.wait()
        return real_call(self, message, timeout)

    monkeypatch.setattr(remote.RemoteAdapter, "_call", killing_call)
    config = RunConfig(
        models=["training-free-uniform"],
        rate_specs=parse_rate_specs("6.25"),
        tasks=[all_tasks()["asr"]],
        out=tmp_path / "run",
        data=str(manifest),
        warmup=0,
        model_envs={"training-free-uniform": second_env},
    )
    outcome = Runner(config).run()
    records = {r["sample_id"]: r for r in read_jsonl(tmp_path / "run" / "samples.jsonl")}
    assert outcome.ok == 3 and outcome.error == 1
    assert records["u2"]["status"] == "error" and "WorkerDied" in records["u2"]["error"]
    assert all(records[u]["status"] == "ok" for u in ("u0", "u1", "u3"))


def test_unknown_environment_says_how_to_create_it():
    with pytest.raises(AdapterUnavailable, match="vfr-bench env create"):
        env_python("no-such-env")


def test_a_bad_option_is_reported_from_the_worker(second_env):
    adapter = remote.RemoteAdapter("training-free-dynamic", second_env, options={"colour": "red"})
    with pytest.raises(remote.WorkerDied, match="has no option colour"):
        _ = adapter.capabilities
    adapter.close()


@pytest.mark.slow
def test_env_create_installs_a_working_worker(tmp_path):
    """Builds a real environment from the adapter's requirements (pip, minutes)."""
    from click.testing import CliRunner

    from vfr_bench.cli import main

    result = CliRunner().invoke(main, ["env", "create", "training-free-uniform", "--path", str(tmp_path / "env")])
    assert result.exit_code == 0, result.output
    adapter = remote.RemoteAdapter("training-free-uniform", env_python(str(tmp_path / "env")))
    try:
        assert "asr" in adapter.capabilities
    finally:
        adapter.close()
