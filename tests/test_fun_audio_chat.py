"""The Fun-Audio-Chat adapter's mapping, against a small fake of the documented interface written here
because Fun-Audio-Chat cannot be installed on this machine (it is not Fun-Audio-Chat; it only behaves
as its interface says):
- `funaudiochat.register.register_funaudiochat()`, then transformers' AutoConfig / AutoProcessor /
  AutoModelForSeq2SeqLM `from_pretrained` (FakeProcessor, FakeModel);
- the processor expands one audio placeholder per 5 frames of 25 Hz (int(seconds x 25) frames);
- `model.sp_gen_kwargs` (loaded as text_greedy False, only_crq_sampling True, disable_speech
  False, force_text_abos False) persists between calls; `model.generate` hands the streamer the
  prompt, then one text token per step (1-D). With force_text_abos the first token is
  <|audio_bos|> and speaking starts after it: 5 speech tokens per step (2-D), the last speech
  step being end-of-speech ids (>= 6561) with <|audio_eos|> as its text token. It returns
  (input_ids, speech_ids), speech_ids of shape (1, 0) when nothing was spoken;
- `utils.cosyvoice_detokenizer`: `get_audio_detokenizer()` loads `pretrained_models/...` relative
  to the working directory, `token2wav(vocoder, tokens, ...)` gives 24 kHz speech, 960 samples a token;
- `utils.constant`: the prompts and generation settings (fake values here)."""

import math
import os
import sys
import types

import numpy as np
import pytest
import torch

from tests.helpers import run_rate_and_asr
from vfr_bench.baselines.fun_audio_chat import FunAudioChatAdapter
from vfr_bench.protocol import AdapterUnavailable, Request

AUDIO_ID, GROUP, SPEECH_EOS = 151646, 5, 6562
AUDIO_BOS, AUDIO_EOS, IM_END = 151647, 151648, 151645

constant = types.SimpleNamespace(
    DEFAULT_S2T_PROMPT="fake: text only",
    DEFAULT_S2M_PROMPT="fake: text and speech",
    SPOKEN_S2M_PROMPT="fake: text and speech, persona",
    AUDIO_TEMPLATE="<|audio_bos|><|AUDIO|><|audio_eos|>",
    DEFAULT_SP_GEN_KWARGS={
        "text_greedy": False,
        "only_crq_sampling": True,
        "disable_speech": False,
        "force_text_abos": True,
    },
    DEFAULT_S2M_GEN_KWARGS={"do_sample": True, "max_new_tokens": 512, "fake_generate_setting": 2},
)


class FakeBatch(dict):
    def to(self, device):
        return self


class FakeProcessor:
    audio_token_id = AUDIO_ID
    tokenizer = types.SimpleNamespace(all_special_ids=[AUDIO_BOS, AUDIO_EOS, IM_END, AUDIO_ID])

    def __init__(self):
        self.conversations = []

    def apply_chat_template(self, conversation, add_generation_prompt=True, tokenize=False):
        self.conversations.append(conversation)
        return "\n".join(f"{m['role']}: {m['content']}" for m in conversation)

    def __call__(self, text, audio, return_tensors="pt", return_token_type_ids=False):
        frames = int(len(audio[0]) / 16000 * 25)
        ids = [1, 2, 3] + [AUDIO_ID] * math.ceil(frames / GROUP) + [4, 5]
        return FakeBatch(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids)))

    def decode(self, ids, skip_special_tokens=True):
        special = set(self.tokenizer.all_special_ids) if skip_special_tokens else set()
        return " ".join(str(int(i)) for i in ids if int(i) not in special)


class FakeModel:
    device = "cuda"

    def __init__(self):
        self.config = types.SimpleNamespace(audio_config=types.SimpleNamespace(group_size=GROUP))
        self.sp_gen_kwargs = {
            "text_greedy": False,
            "only_crq_sampling": True,
            "disable_speech": False,
            "force_text_abos": False,
        }
        self.calls = []

    def generate(self, input_ids, attention_mask=None, streamer=None, **kwargs):
        self.calls.append({"sp": dict(self.sp_gen_kwargs), **kwargs})
        streamer.put(input_ids.cpu())
        n_in = int((input_ids == AUDIO_ID).sum())
        text, speech = [], []
        if self.sp_gen_kwargs["force_text_abos"]:
            text.append(AUDIO_BOS)
        streamer.put(torch.tensor([text[0] if text else 100]))
        text = text or [100]
        if text[0] == AUDIO_BOS and not self.sp_gen_kwargs["disable_speech"]:
            # speaks as many steps as the question had placeholders, then ends speech
            for i in range(n_in + 1):
                token = AUDIO_EOS if i == n_in else 101 + i
                streamer.put(torch.tensor([token]))
                text.append(token)
                group = torch.full((1, GROUP), SPEECH_EOS if i == n_in else i % 6561)
                streamer.put(group)
                speech.append(group)
        else:
            for i in range(3):
                streamer.put(torch.tensor([101 + i]))
                text.append(101 + i)
        ids = torch.cat([input_ids, torch.tensor([text])], 1)
        return ids, (torch.cat(speech, 1) if speech else torch.zeros(1, 0, dtype=torch.long))


class FakeVocoder:
    sample_rate = 24000


def fake_token2wav(vocoder, tokens, embedding=None, token_hop_len=750, pre_lookahead_len=3):
    return torch.zeros(1, len(tokens) * 960)


def fake_get_audio_detokenizer():
    assert os.path.isdir("pretrained_models/Fun-CosyVoice3-0.5B-2512"), "loads relative to the clone"
    return FakeVocoder()


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A Fun-Audio-Chat clone's layout with its weight folders, and the fake modules importable."""
    import transformers

    root = tmp_path / "Fun-Audio-Chat"
    (root / "funaudiochat").mkdir(parents=True)
    (root / "funaudiochat" / "register.py").write_text("")
    for name in ("Fun-Audio-Chat-8B", "Fun-CosyVoice3-0.5B-2512"):
        (root / "pretrained_models" / name).mkdir(parents=True)
    registered = []
    modules = {
        "funaudiochat": types.ModuleType("funaudiochat"),
        "funaudiochat.register": types.SimpleNamespace(register_funaudiochat=lambda: registered.append(1)),
        "utils": types.ModuleType("utils"),
        "utils.constant": constant,
        "utils.cosyvoice_detokenizer": types.SimpleNamespace(
            get_audio_detokenizer=fake_get_audio_detokenizer, token2wav=fake_token2wav
        ),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the adapter puts the clone on it
    model, processor = FakeModel(), FakeProcessor()
    loaded = {}

    def from_pretrained(what):
        def load(path, **kwargs):
            assert registered, "register_funaudiochat() runs before the Auto classes load"
            loaded[what] = (path, kwargs)
            return {"model": model, "processor": processor, "config": object()}[what]

        return load

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", from_pretrained("config"))
    monkeypatch.setattr(transformers.AutoProcessor, "from_pretrained", from_pretrained("processor"))
    monkeypatch.setattr(transformers.AutoModelForSeq2SeqLM, "from_pretrained", from_pretrained("model"))
    monkeypatch.setattr(FunAudioChatAdapter, "synchronize", lambda self: None)  # the fake queues no CUDA work
    return types.SimpleNamespace(root=root, model=model, processor=processor, loaded=loaded)


def test_without_fun_audio_chat_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.delenv("FUN_AUDIO_CHAT_REPO", raising=False)
    with pytest.raises(AdapterUnavailable, match="not on PyPI.*recurse-submodules.*transformers 4.52.3"):
        FunAudioChatAdapter().check_available()


def test_missing_weights_say_where_to_get_them(clone, tmp_path):
    with pytest.raises(AdapterUnavailable, match="checkpoint not found.*hf download FunAudioLLM/Fun-Audio-Chat-8B"):
        FunAudioChatAdapter(repo=str(clone.root), checkpoint=str(tmp_path / "absent")).load()
    (clone.root / "pretrained_models" / "Fun-CosyVoice3-0.5B-2512").rmdir()
    adapter = FunAudioChatAdapter(repo=str(clone.root), device="cuda")
    audio = np.zeros(16000, dtype=np.float32)
    assert adapter.generate(Request("s2t", "a", audio=audio)).text  # text answers need no vocoder
    with pytest.raises(AdapterUnavailable, match="CosyVoice3 vocoder not found.*Fun-CosyVoice3-0.5B-2512"):
        adapter.generate(Request("s2s", "b", audio=audio))


def test_loads_with_its_auto_classes_in_bfloat16(clone):
    adapter = FunAudioChatAdapter(repo=str(clone.root), device="cuda:1")
    adapter.load()
    path, kwargs = clone.loaded["model"]
    assert path == str(clone.root / "pretrained_models" / "Fun-Audio-Chat-8B")
    assert kwargs["torch_dtype"] == torch.bfloat16 and kwargs["device_map"] == "cuda:1"
    assert "trust_remote_code" not in kwargs


def test_prompts_and_speech_switch_per_request(clone):
    adapter = FunAudioChatAdapter(repo=str(clone.root), device="cuda", max_new_tokens=99)
    audio = np.zeros(16000, dtype=np.float32)
    adapter.generate(Request("s2s", "a", audio=audio))
    adapter.generate(Request("asr", "b", audio=audio))
    adapter.generate(Request("s2t", "c", audio=audio, text="Answer briefly."))
    s2s, asr, s2t = clone.model.calls
    assert s2s["sp"] == {
        "text_greedy": True,
        "only_crq_sampling": True,
        "disable_speech": False,
        "force_text_abos": True,
    }  # its s2s example's settings
    assert s2s["fake_generate_setting"] == 2
    assert s2s["max_new_tokens"] == 99 and s2t["max_new_tokens"] == 99
    for text_request in (asr, s2t):  # its s2t example's settings on a fresh model: nothing left from s2s
        assert text_request["sp"] == {
            "text_greedy": True,
            "only_crq_sampling": True,
            "disable_speech": True,
            "force_text_abos": False,
        }
    assert not adapter.generate(Request("s2t", "e", audio=audio)).text.startswith(str(AUDIO_BOS))
    systems = [c[0]["content"] for c in clone.processor.conversations[:3]]
    users = [c[1]["content"] for c in clone.processor.conversations[:3]]
    assert systems == ["fake: text and speech, persona", "fake: text only", "fake: text only"]
    assert users == [
        constant.AUDIO_TEMPLATE,
        constant.AUDIO_TEMPLATE + "\nTranscribe the speech into text.",
        constant.AUDIO_TEMPLATE + "\nAnswer briefly.",
    ]
    plain = FunAudioChatAdapter(repo=str(clone.root), device="cuda", s2s_system="plain")
    plain.generate(Request("s2s", "d", audio=audio))
    assert clone.processor.conversations[-1][0]["content"] == "fake: text and speech"


def test_counts_of_one_spoken_answer(clone):
    adapter = FunAudioChatAdapter(repo=str(clone.root), device="cuda")
    response = adapter.generate(Request("s2s", "a", audio=np.zeros(int(2.1 * 16000), dtype=np.float32)))
    # 2.1 s -> 52 frames of 25 Hz -> 11 placeholders; after the forced <|audio_bos|> the fake speaks
    # 11 steps of 5 tokens, then a step that ends speech
    assert response.n_input_tokens == 11
    assert response.n_output_codec_tokens == 55 and response.n_output_tokens == 11
    assert response.extra["llm_steps"] == {"text": 13, "speech": 12}
    assert len(response.audio) == 55 * 960 and response.audio_sample_rate == 24000
    assert response.n_text_tokens == 11 and response.text.startswith("101 102")  # bos and eos are not text
    assert 0 <= response.t_first_token and 0 <= response.t_ar
    assert set(response.extra["stage_seconds"]) == {"generate", "token2wav"}


def test_runner_with_the_fake_interface(tmp_path, clone):
    records = run_rate_and_asr(tmp_path, "fun-audio-chat", "native,6.25", {"repo": str(clone.root)})
    skipped = [r for r in records if r["rate_spec"] == "6.25"]
    assert skipped and all(r["status"] == "skipped" and "fixed 5 Hz" in r["error"] for r in skipped)
    ok = [r for r in records if r["status"] == "ok"]
    assert len(ok) == 6
    for r in ok:
        assert r["requested_input_hz"] == 5 and abs(r["achieved_input_hz"] - 5) < 0.5
        assert r["timings"]["t_first_token"] is not None
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert all(r["request_kind"] == "s2s" for r in speech)
    assert all(
        r["achieved_output_hz"] == pytest.approx(5) and r["output_codec_hz"] == pytest.approx(25) for r in speech
    )
    assert all(r["n_output_tokens"] is None for r in ok if r["task"] == "asr")
