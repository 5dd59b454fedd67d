"""scripts/upstream_contract.sh: what it reports and how it exits, with its faults injected.

The default tests need no upstream clone. The slow ones run the real checks against a clone of
FunAudioLLM/Fun-Audio-Chat ($FUN_AUDIO_CHAT_REPO) in its environment ($FUN_AUDIO_CHAT_PYTHON:
transformers==4.52.3, torch, librosa, accelerate, vfr-bench) and skip with the reason where absent.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "upstream_contract.sh"


def contract(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )


def no_cuda() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("CUDA is present here: the needs-CUDA adapters would be checked, not reported")


def test_an_adapter_that_needs_cuda_is_reported_and_fails_the_run_unless_accepted():
    no_cuda()
    done = contract("--only", "kimi-audio,mimo-audio")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "kimi-audio      not checked: needs CUDA" in done.stdout
    assert "mimo-audio      not checked: needs CUDA (its audio tokenizer calls flash-attn)" in done.stdout
    accepted = contract("--only", "kimi-audio", "--accept-needs-cuda")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "accepted (--accept-needs-cuda): kimi-audio not checked" in accepted.stdout


def test_an_environment_that_cannot_say_whether_cuda_is_present_fails_even_when_accepted(tmp_path):
    done = contract("--only", "flexislm", "--python", f"flexislm={tmp_path / 'no-python'}", "--accept-needs-cuda")
    assert done.returncode == 1
    assert "flexislm        not checked: could not ask torch" in done.stdout
    assert "contract holds" not in done.stdout


def test_an_adapter_without_a_clone_is_not_checked_and_fails_the_run():
    done = contract("--only", "fun-audio-chat", "--accept-needs-cuda")
    assert done.returncode == 1
    assert "not checked: no clone of FunAudioLLM/Fun-Audio-Chat" in done.stdout


def test_a_clone_whose_code_breaks_the_check_fails_the_run(tmp_path):
    clone = tmp_path / "Fun-Audio-Chat"
    (clone / "funaudiochat").mkdir(parents=True)
    (clone / "funaudiochat" / "__init__.py").write_text("")
    (clone / "funaudiochat" / "register.py").write_text("def register_funaudiochat():\n    pass\n")
    done = contract("--only", "fun-audio-chat", "--clone", f"fun-audio-chat={clone}")
    assert done.returncode == 1
    assert (
        "fun-audio-chat  failed: exit 1" in done.stdout
        and "No module named 'funaudiochat.modeling_funaudiochat'" in done.stdout
    )
    assert "contract holds" not in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--only", "moshi"], "unknown adapter(s) moshi"),
        (["--clone", "moshi=/tmp"], "unknown adapter 'moshi'"),
        (["--python", "fun-audio-chat"], "wants ADAPTER=VALUE"),
    ],
)
def test_arguments_are_checked_where_they_enter(args, message):
    done = contract(*args)
    assert done.returncode == 2 and message in done.stderr


def upstream() -> tuple[Path, str]:
    repo, python = os.environ.get("FUN_AUDIO_CHAT_REPO"), os.environ.get("FUN_AUDIO_CHAT_PYTHON")
    if not repo or not (Path(repo) / "funaudiochat" / "modeling_funaudiochat.py").is_file():
        pytest.skip("no Fun-Audio-Chat clone: set FUN_AUDIO_CHAT_REPO to a clone of FunAudioLLM/Fun-Audio-Chat")
    if not python:
        pytest.skip("set FUN_AUDIO_CHAT_PYTHON to the Python of its environment (transformers==4.52.3)")
    return Path(repo), python


@pytest.mark.slow
def test_fun_audio_chat_holds_its_contract_on_a_tiny_model_of_its_own_code():
    repo, python = upstream()
    done = contract(
        "--only", "fun-audio-chat", "--clone", f"fun-audio-chat={repo}", "--python", f"fun-audio-chat={python}"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "s2s: n_output_tokens=" in done.stdout and "fun-audio-chat  ok" in done.stdout


@pytest.mark.slow
def test_a_changed_upstream_processor_rule_breaks_the_contract(tmp_path):
    repo, python = upstream()
    clone = tmp_path / "Fun-Audio-Chat"
    for part in ("funaudiochat", "utils"):
        shutil.copytree(repo / part, clone / part)
    processing = clone / "funaudiochat" / "processing_funaudiochat.py"
    source = processing.read_text()
    assert "frame_rate = 25" in source
    processing.write_text(source.replace("frame_rate = 25", "frame_rate = 50"))
    done = contract(
        "--only", "fun-audio-chat", "--clone", f"fun-audio-chat={clone}", "--python", f"fun-audio-chat={python}"
    )
    assert done.returncode == 1
    assert "FAIL fun-audio-chat: asr: n_input_tokens 20, the processor's rule gives 10" in done.stdout
