"""The FlexiSLM adapter's mapping, against FakeFlexiSLMInference: a small fake of the documented
interface (generate_from_audio, _encode_audio's token_lengths, avg_input_framerate, audio_ids,
length_ids), written here because FlexiSLM and its weights cannot be installed on this machine.
It is not FlexiSLM: it only behaves as its interface says."""

import math
import sys
import types

import numpy as np
import pytest
import soundfile as sf

from baselines.flexislm import FlexiSLMAdapter, framerate_arguments, output_durations
from tests.helpers import write_manifest
from vfr_bench.protocol import AdapterUnavailable, Request
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run_dir import read_jsonl
from vfr_bench.runner import RunConfig, Runner
from vfr_bench.tasks import all_tasks


class FakeFlexiSLMConfig:
    def __init__(self, checkpoint, enable_flexible_framerate=True, **kwargs):
        self.checkpoint = checkpoint


class FakeFlexiSLMInference:
    """Groups 25 Hz base frames to the input rate, emits round(rate x seconds) speech tokens with
    duration classes that cover the input's length, and decodes them to 24 kHz silence."""

    def __init__(self, config, device):
        self.config = config

    def _encode_audio(self, audio, input_framerate):
        frames = max(1, math.ceil(len(audio) / 16000 * 25))
        groups = frames if input_framerate >= 25 else max(1, round(input_framerate / 25 * frames)) \
            if input_framerate > 1 else max(1, round(frames * input_framerate / 4))
        edges = np.round(np.linspace(0, frames, groups + 1)).astype(int)
        return {"semantic_features": np.zeros((groups, 4)), "token_lengths": np.diff(edges)}

    def generate_from_audio(self, audio_path, text_query="", history="", framerate=None, input_framerate=None,
                            output_text_only=False):
        audio, sr = sf.read(audio_path)
        codec = self._encode_audio(audio, input_framerate)
        lengths = codec["token_lengths"]
        result = {"text": f"heard {len(lengths)} groups", "avg_input_framerate": 25.0 * len(lengths) / lengths.sum(),
                  "audio": None, "audio_ids": None, "audio_tokens": None, "length_ids": None, "framerate": framerate}
        if not output_text_only:
            seconds = len(audio) / sr
            n = max(1, round(framerate * seconds))
            frames = np.full(n, seconds * 12.5 / n)
            length_ids = np.maximum(np.round(frames).astype(int) - 1, 0)  # duration = length_id + 1 frames
            result.update(audio_ids=list(range(n)), length_ids=length_ids,
                          audio=np.zeros(int((length_ids + 1).sum() / 12.5 * 24000), dtype=np.float32))
        return result


@pytest.fixture
def fake_flexislm(monkeypatch):
    module = types.ModuleType("flexislm.inference_flexislm")
    module.FlexiSLMInferenceConfig = FakeFlexiSLMConfig
    module.FlexiSLMInference = FakeFlexiSLMInference
    monkeypatch.setitem(sys.modules, "flexislm", types.ModuleType("flexislm"))
    monkeypatch.setitem(sys.modules, "flexislm.inference_flexislm", module)
    return module


def test_rate_specs_map_to_framerate_arguments():
    assert framerate_arguments(12.5, 6.25, None) == {"input_framerate": 12.5, "framerate": 6.25}
    assert framerate_arguments(None, None, 0.9) == {"input_framerate": 0.9, "framerate": 0.9}
    with pytest.raises(ValueError, match="merge thresholds"):
        framerate_arguments(0.9, 0.9, None)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        framerate_arguments(None, None, 2.0)


def test_duration_conventions():
    assert output_durations([0, 1, 3], "length_id_plus_1") == pytest.approx(7 / 12.5)
    assert output_durations([0, 1, 3], "length_id") == pytest.approx(4 / 12.5)


def test_without_flexislm_the_message_says_how_to_install_it():
    with pytest.raises(AdapterUnavailable, match="not on PyPI.*flexicodec"):
        FlexiSLMAdapter(checkpoint="/ckpt").check_available()


def test_runner_with_the_fake_interface(tmp_path, fake_flexislm):
    manifest = write_manifest(tmp_path / "data", n=3, seconds=2.0)
    tasks = all_tasks()
    config = RunConfig(models=["flexislm"], rate_specs=parse_rate_specs("12.5,6.25:12.5,4,0.9,25"),
                       tasks=[tasks["rate-fidelity"], tasks["asr"]], out=tmp_path / "run", data=str(manifest),
                       model_options={"flexislm": {"checkpoint": "/ckpt"}}, warmup=0)
    Runner(config).run()
    records = read_jsonl(tmp_path / "run" / "samples.jsonl")
    ok = [r for r in records if r["status"] == "ok"]
    skipped = {r["rate_spec"] for r in records if r["status"] == "skipped"}
    assert skipped == {"0.9", "25"}  # a threshold-looking value and a rate above 12.5 are not run
    for r in ok:
        extra = r["adapter_extra"]
        # our count of the merged groups and FlexiSLM's own figure agree
        assert r["achieved_input_hz"] == pytest.approx(extra["avg_input_framerate"], rel=0.05)
        assert abs(r["input_rate_error"]) < 0.05
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert {r["request_kind"] for r in speech} == {"s2s"}
    for r in speech:
        assert abs(r["achieved_output_hz"] / r["requested_output_hz"] - 1) < 0.1
        assert r["adapter_extra"]["output_hz_by_durations"] == pytest.approx(r["achieved_output_hz"], rel=0.05)
        assert r["adapter_extra"]["duration_convention"] == "length_id_plus_1"
    mixed = next(r for r in speech if r["rate_spec"] == "6.25:12.5")
    assert mixed["adapter_extra"]["framerate_arguments"] == {"input_framerate": 6.25, "framerate": 12.5}
    assert all(r["n_output_tokens"] is None for r in ok if r["task"] == "asr")


def test_threshold_mode_is_explicit(tmp_path, fake_flexislm):
    adapter = FlexiSLMAdapter(checkpoint="/ckpt", threshold=0.8)
    assert adapter.rate_control_for().kind == "threshold"
    adapter.load()
    audio = np.zeros(32000, dtype=np.float32)
    out = adapter.generate(Request("s2t", "x", audio))
    assert out.extra["framerate_arguments"] == {"input_framerate": 0.8, "framerate": 0.8} and out.n_input_tokens


def test_the_earlier_class_names_are_found(monkeypatch):
    module = types.ModuleType("flexislm.inference_interleaved")
    module.InterleavedInferenceConfig = FakeFlexiSLMConfig
    module.InterleavedS2SInference = FakeFlexiSLMInference
    monkeypatch.setitem(sys.modules, "flexislm", types.ModuleType("flexislm"))
    monkeypatch.setitem(sys.modules, "flexislm.inference_interleaved", module)
    adapter = FlexiSLMAdapter(checkpoint="/ckpt")
    adapter.load()
    assert adapter.describe()["inference_class"] == "flexislm.inference_interleaved.InterleavedS2SInference"
