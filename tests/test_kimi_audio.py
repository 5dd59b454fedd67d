"""The Kimi-Audio adapter's mapping, against FakeKimiAudio: a small fake of the documented interface
(KimiAudio(model_path, load_detokenizer).generate(chats, output_type) -> (wav, text), its
prompt_manager.get_prompt(...).to_tensor() and _generate_loop), written here because Kimi-Audio
cannot be installed on this machine. It is not Kimi-Audio: it only behaves as its interface says."""

import math
import sys
import types

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import run_rate_and_asr
from vfr_bench.baselines.kimi_audio import KimiAudioAdapter, chats
from vfr_bench.protocol import AdapterUnavailable

OFFSET = 152064


class FakeHistory:
    def __init__(self, n_audio):
        # a text stream of instruction positions plus 12.5 Hz audio tokens offset into the audio range
        self.ids = np.concatenate([np.full(5, 100), OFFSET + np.arange(n_audio)])
        self.continuous_feature = []

    def to_tensor(self):
        return self.ids[None], np.zeros_like(self.ids)[None], np.zeros_like(self.ids)[None]


class FakePromptManager:
    def get_prompt(self, messages, output_type="text"):
        audio, sr = sf.read(next(m["content"] for m in messages if m["message_type"] == "audio"))
        return FakeHistory(math.ceil(len(audio) / sr * 12.5))


class FakeKimiAudio:
    kimia_text_audiodelaytokens = 6

    def __init__(self, model_path, load_detokenizer=True):
        self.kimia_token_offset = OFFSET
        self.prompt_manager = FakePromptManager()

    def _generate_loop(self, audio_input_ids, output_type="text", **kwargs):
        n_in = int((np.asarray(audio_input_ids) >= OFFSET).sum())
        audio = (
            [OFFSET + i for i in range(n_in)] + [3, 4] if output_type == "both" else []
        )  # ids below offset are dropped
        return audio, list(range(7))

    def generate(self, messages, output_type="text", **kwargs):
        history = self.prompt_manager.get_prompt(messages, output_type=output_type)
        audio_ids, _, _ = history.to_tensor()
        tokens, text_tokens = self._generate_loop(audio_ids, output_type=output_type)
        valid = [t for t in tokens if t >= OFFSET]
        wav = np.zeros(int(len(valid) / 12.5 * 24000), dtype=np.float32) if output_type == "both" else None
        return wav, f"{len(text_tokens)} text tokens"


@pytest.fixture
def fake_kimi(monkeypatch):
    module = types.ModuleType("kimia_infer.api.kimia")
    module.KimiAudio = FakeKimiAudio
    for name in ("kimia_infer", "kimia_infer.api"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "kimia_infer.api.kimia", module)


def test_messages():
    assert chats("asr", "/a.wav", "Transcribe.") == [
        {"role": "user", "message_type": "text", "content": "Transcribe."},
        {"role": "user", "message_type": "audio", "content": "/a.wav"},
    ]
    assert chats("s2s", "/a.wav", None) == [{"role": "user", "message_type": "audio", "content": "/a.wav"}]


def test_needs_kimi_audio_and_cuda(fake_kimi):
    with pytest.raises(AdapterUnavailable, match="hard-coded to cuda"):
        KimiAudioAdapter(device="cpu").load()


def test_runs_the_checkpoint_code_only_when_allowed(fake_kimi):
    with pytest.raises(AdapterUnavailable, match="trust_remote_code=True.*--trust-remote-code"):
        KimiAudioAdapter(device="cuda").load()
    KimiAudioAdapter(device="cuda", trust_remote_code="true").load()


def test_the_run_flag_reaches_only_adapters_that_declare_it():
    from vfr_bench.models import ModelRegistry

    options = {"kimi-audio": {}, "reference": {}, "qwen2.5-omni": {}, "flexislm": {"trust_remote_code": "false"}}
    ModelRegistry().allow_remote_code(options)
    assert options == {
        "kimi-audio": {"trust_remote_code": "true"},
        "reference": {},
        "qwen2.5-omni": {},
        "flexislm": {"trust_remote_code": "false"},
    }


def test_without_kimi_audio_the_message_says_how_to_install_it():
    with pytest.raises(AdapterUnavailable, match="not on PyPI.*torch==2.4.1"):
        KimiAudioAdapter().check_available()


def test_runner_with_the_fake_interface(tmp_path, fake_kimi, monkeypatch):
    monkeypatch.setattr(KimiAudioAdapter, "synchronize", lambda self: None)  # the fake queues no CUDA work
    records = run_rate_and_asr(tmp_path, "kimi-audio", "native,6.25", {"trust_remote_code": True})
    assert {r["status"] for r in records if r["rate_spec"] == "6.25"} == {"skipped"}
    ok = [r for r in records if r["status"] == "ok"]
    assert len(ok) == 6
    for r in ok:
        assert abs(r["achieved_input_hz"] - 12.5) < 0.5 and r["requested_input_hz"] == 12.5
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert all(r["request_kind"] == "s2s" and r["achieved_output_hz"] == pytest.approx(12.5, rel=0.02) for r in speech)
    assert all(r["n_output_tokens"] is None and r["text"] == "7 text tokens" for r in ok if r["task"] == "asr")
