"""The MiMo-Audio adapter's mapping, against FakeMimoAudio: a small fake of the documented interface
(MimoAudio(model_path, tokenizer_path, device) with asr_sft, audio_understanding_sft,
speech2text_dialogue_sft, spoken_dialogue_sft and tts_sft; preprocess_input giving 25 Hz frames of
8 codes padded to patches of 4; model.generate putting the prompt and then one patch per step to a
streamer; mimo_audio_tokenizer.decode of codes in segments; save_wav at 24 kHz, one second of
silence when no speech was generated), written here because MiMo-Audio cannot be installed on this
machine. It is not MiMo-Audio: it only behaves as its interface says."""

import math
import sys
import types

import numpy as np
import pytest
import soundfile as sf
import torch

from tests.helpers import run_rate_and_asr
from vfr_bench.baselines.mimo_audio import MimoAudioAdapter
from vfr_bench.protocol import AdapterUnavailable, Request

GROUP, CHANNELS, EMPTY, SEGMENT = 4, 8, 151670, 8  # SEGMENT: frames per decode call (1500 in the real code)


class FakeTokenizer:
    def decode(self, codes):
        assert codes.shape[0] == CHANNELS
        return torch.zeros(1, codes.shape[-1] * 960)  # 24 kHz / 25 Hz


class FakeModel:
    def __init__(self):
        self.plan = (3, 0)  # (text steps, speech patches) the next generate produces

    def generate(self, input_ids, generation_config=None, stopping_criteria=None, streamer=None, **kwargs):
        if streamer is not None:
            streamer.put(input_ids.cpu())
        text_steps, speech_patches = self.plan
        steps = []
        for i in range(text_steps + speech_patches):
            text = 1000 + i if i < text_steps else EMPTY  # speech only comes with the empty text token
            step = torch.full((1, GROUP * (CHANNELS + 1)), text)
            steps.append(step)
            if streamer is not None:
                streamer.put(step.cpu())
        return torch.cat(steps) if steps else torch.zeros(0, GROUP * (CHANNELS + 1))


class FakeMimoAudio:
    instances = []

    def __init__(self, model_path, mimo_audio_tokenizer_path, device=None):
        self.model_path, self.tokenizer_path, self.device = model_path, mimo_audio_tokenizer_path, device
        self.group_size, self.audio_channels, self.empty_token = GROUP, CHANNELS, EMPTY
        self.model, self.mimo_audio_tokenizer = FakeModel(), FakeTokenizer()
        self.calls = []
        self.speak = True
        FakeMimoAudio.instances.append(self)

    def preprocess_input(self, input=None):
        if isinstance(input, str) and input.endswith(".wav"):
            audio, sr = sf.read(input)
            frames = math.ceil(len(audio) / sr * 25)
            frames += (-frames) % self.group_size  # padded to whole patches
            return torch.zeros(frames * self.audio_channels)
        return input

    def forward(self, prompt, output_audio_path=None, speech_patches=0):
        input_ids = prompt if isinstance(prompt, torch.Tensor) else torch.zeros(len(prompt))  # text: any ids
        self.model.plan = (3, speech_patches if self.speak else 0)
        steps = self.model.generate(input_ids)
        text = " ".join(str(int(t)) for t in steps[:, 0] if int(t) != EMPTY)
        if output_audio_path is None:
            return text
        n = int((steps[:, 0] == EMPTY).sum()) * self.group_size
        if n == 0:
            sf.write(output_audio_path, np.zeros(24000), 24000)
            return text
        codes = torch.zeros(self.audio_channels, n, dtype=torch.long)
        wav = torch.cat([self.mimo_audio_tokenizer.decode(codes[:, s : s + SEGMENT]) for s in range(0, n, SEGMENT)], -1)
        sf.write(output_audio_path, wav.reshape(-1).numpy(), 24000)
        return text

    def asr_sft(self, audio):
        self.calls.append(("asr_sft", audio))
        return self.forward(self.preprocess_input(audio))

    def audio_understanding_sft(self, input_speech, input_text, thinking=False):
        self.calls.append(("audio_understanding_sft", input_text))
        return self.forward(self.preprocess_input(input_speech))

    def speech2text_dialogue_sft(self, input_speech, thinking=False, add_history=False):
        self.calls.append(("speech2text_dialogue_sft", thinking))
        return self.forward(self.preprocess_input(input_speech))

    def spoken_dialogue_sft(
        self, input_speech, output_audio_path=None, system_prompt=None, prompt_speech=None, add_history=False
    ):
        self.calls.append(("spoken_dialogue_sft", output_audio_path))
        codes = self.preprocess_input(input_speech)
        # answers with as many patches as the question had
        return self.forward(codes, output_audio_path, speech_patches=codes.numel() // CHANNELS // GROUP)

    def tts_sft(self, text, output_path, instruct=None, read_text_only=True, prompt_speech=None):
        self.calls.append(("tts_sft", text))
        return self.forward(self.preprocess_input(text), output_path, speech_patches=len(text.split()) * 2)


@pytest.fixture
def fake_mimo(monkeypatch):
    FakeMimoAudio.instances = []
    module = types.ModuleType("src.mimo_audio.mimo_audio")
    module.MimoAudio = FakeMimoAudio
    for name in ("src", "src.mimo_audio"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "src.mimo_audio.mimo_audio", module)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the adapter puts a clone on it
    monkeypatch.setattr(MimoAudioAdapter, "synchronize", lambda self: None)  # the fake queues no CUDA work
    return FakeMimoAudio


@pytest.fixture
def weights(tmp_path):
    for name in ("ckpt", "tok"):
        (tmp_path / name).mkdir()
    return {"checkpoint": str(tmp_path / "ckpt"), "tokenizer": str(tmp_path / "tok")}


def test_without_mimo_audio_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.delenv("MIMO_AUDIO_REPO", raising=False)
    with pytest.raises(AdapterUnavailable, match="not on PyPI.*flash-attn.*repo=PATH_TO_CLONE"):
        MimoAudioAdapter().check_available()


def test_a_folder_that_is_not_a_clone_is_named(tmp_path):
    with pytest.raises(AdapterUnavailable, match=f"{tmp_path} is not a clone.*src/mimo_audio/mimo_audio.py"):
        MimoAudioAdapter(repo=str(tmp_path)).check_available()


def test_a_clone_without_the_class_is_named(tmp_path, monkeypatch):
    clone = tmp_path / "old-clone"
    (clone / "src" / "mimo_audio").mkdir(parents=True)
    (clone / "src" / "mimo_audio" / "mimo_audio.py").write_text("")
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("src", "src.mimo_audio", "src.mimo_audio.mimo_audio"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(AdapterUnavailable, match="mimo_audio.py has no MimoAudio: not the version"):
        MimoAudioAdapter(repo=str(clone)).check_available()
    for name in ("src", "src.mimo_audio", "src.mimo_audio.mimo_audio"):
        sys.modules.pop(name, None)  # leave no trace of the empty clone for later tests


def test_needs_cuda_and_the_weights(fake_mimo, tmp_path, weights):
    with pytest.raises(AdapterUnavailable, match="needs a CUDA GPU.*flash_attn"):
        MimoAudioAdapter(device="cpu", **weights).load()
    with pytest.raises(AdapterUnavailable, match="checkpoint not found.*hf download XiaomiMiMo/MiMo-Audio-7B-Instruct"):
        MimoAudioAdapter(device="cuda", checkpoint=str(tmp_path / "absent"), tokenizer=weights["tokenizer"]).load()
    with pytest.raises(AdapterUnavailable, match="give --model-arg tokenizer=FOLDER or repo=PATH"):
        MimoAudioAdapter(device="cuda", checkpoint=weights["checkpoint"]).load()


def test_weights_default_to_the_clone_models_folder(fake_mimo, tmp_path, monkeypatch):
    clone = tmp_path / "MiMo-Audio"
    (clone / "src" / "mimo_audio").mkdir(parents=True)
    (clone / "src" / "mimo_audio" / "mimo_audio.py").write_text("")
    for name in ("MiMo-Audio-7B-Instruct", "MiMo-Audio-Tokenizer"):
        (clone / "models" / name).mkdir(parents=True)
    monkeypatch.setenv("MIMO_AUDIO_REPO", str(clone))
    adapter = MimoAudioAdapter(device="cuda")
    adapter.load()
    mimo = fake_mimo.instances[-1]
    assert (mimo.model_path, mimo.tokenizer_path, mimo.device) == (
        str(clone / "models" / "MiMo-Audio-7B-Instruct"),
        str(clone / "models" / "MiMo-Audio-Tokenizer"),
        "cuda",
    )


def test_each_request_kind_calls_its_method(fake_mimo, weights):
    adapter = MimoAudioAdapter(device="cuda", thinking=True, **weights)
    audio = np.zeros(16000, dtype=np.float32)
    adapter.generate(Request("s2t", "a", audio=audio, text="What is said?"))
    adapter.generate(Request("s2t", "b", audio=audio))
    adapter.generate(Request("asr", "c", audio=audio))
    tts = adapter.generate(Request("tts", "d", text="three short words"))
    calls = fake_mimo.instances[-1].calls
    assert [c[0] for c in calls] == ["audio_understanding_sft", "speech2text_dialogue_sft", "asr_sft", "tts_sft"]
    assert calls[0][1] == "What is said?" and calls[1][1] is True and calls[3][1] == "three short words"
    # tts: no speech input counted; 6 patches of 4 frames decoded -> 24 frames, 192 codes, 0.96 s at 24 kHz
    assert tts.n_input_tokens is None
    assert (tts.n_output_tokens, tts.n_output_codec_tokens, tts.audio_sample_rate) == (6, 192, 24000)
    assert len(tts.audio) == 24 * 960
    with pytest.raises(ValueError, match="needs audio"):
        adapter.generate(Request("s2s", "e"))


def test_counts_and_timings_of_one_spoken_answer(fake_mimo, weights):
    adapter = MimoAudioAdapter(device="cuda", **weights)
    response = adapter.generate(Request("s2s", "a", audio=np.zeros(int(2.1 * 16000), dtype=np.float32)))
    # 2.1 s -> 53 frames of 25 Hz, padded to 56 = 14 patches; the fake answers with as many
    assert response.extra["input_codec_frames_padded"] == 56 and response.n_input_tokens == 14
    # its patches as unit spans: 4 frames of 25 Hz each, the last cut at the end of the audio
    assert response.input_unit_spans[:2] == [(0.0, 0.16), (0.16, 0.32)]
    assert len(response.input_unit_spans) == 14 and response.input_unit_spans[-1] == pytest.approx((2.08, 2.1))
    assert response.n_output_tokens == 14 and response.n_output_codec_tokens == 56 * CHANNELS
    assert response.extra["output_codec_frames"] == 56
    assert response.extra["llm_steps"] == {"text": 3, "speech": 14}
    assert response.n_text_tokens == 3 and response.text == "1000 1001 1002"
    assert 0 <= response.t_first_token and 0 <= response.t_ar


def test_its_random_draw_is_seeded_and_the_harness_stream_kept(fake_mimo, weights):
    import random

    adapter = MimoAudioAdapter(device="cuda", **weights)
    adapter.load()
    draws = []
    fake_mimo.instances[-1].asr_sft = lambda audio: draws.append(random.random()) or "text"
    random.seed(42)
    expected_next = random.Random(42).random()
    for _ in range(2):
        adapter.generate(Request("asr", "a", audio=np.zeros(16000, dtype=np.float32)))
    assert draws[0] == draws[1]  # the model's draw is seeded per request
    assert random.random() == expected_next  # the caller's stream is untouched


def test_no_speech_tokens_is_recorded_not_hidden(fake_mimo, weights):
    adapter = MimoAudioAdapter(device="cuda", **weights)
    adapter.load()
    fake_mimo.instances[-1].speak = False
    response = adapter.generate(Request("s2s", "a", audio=np.zeros(16000, dtype=np.float32)))
    assert response.n_output_tokens == 0 and response.n_output_codec_tokens == 0
    assert response.extra["no_speech_tokens"] is True
    assert len(response.audio) == 24000  # the second of silence its code writes, kept as it is


def test_patches_that_start_past_the_audio_give_no_spans():
    from vfr_bench.baselines.mimo_audio import patch_spans

    spans = patch_spans(3, 4, 0.4)
    assert spans is not None and np.allclose(spans, [(0.0, 0.16), (0.16, 0.32), (0.32, 0.4)])
    assert patch_spans(3, 4, 0.32) is None  # the third patch would be padding only: no span is guessed


def test_runner_with_the_fake_interface(tmp_path, fake_mimo, weights):
    records = run_rate_and_asr(tmp_path, "mimo-audio", "native,12.5", weights)
    skipped = [r for r in records if r["rate_spec"] == "12.5"]
    assert skipped and all(r["status"] == "skipped" and "fixed 6.25 Hz (patching)" in r["error"] for r in skipped)
    ok = [r for r in records if r["status"] == "ok"]
    assert len(ok) == 6
    for r in ok:
        assert r["requested_input_hz"] == 6.25 and abs(r["achieved_input_hz"] - 6.25) < 0.5
        seconds = r["input_seconds"]
        assert 0 <= r["adapter_extra"]["input_codec_frames_padded"] - 25 * seconds < GROUP  # padding only
        assert r["timings"]["t_first_token"] is not None
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert all(r["request_kind"] == "s2s" for r in speech)
    assert all(
        r["achieved_output_hz"] == pytest.approx(6.25) and r["output_codec_hz"] == pytest.approx(200) for r in speech
    )
    assert all(r["n_output_tokens"] is None for r in ok if r["task"] == "asr")
