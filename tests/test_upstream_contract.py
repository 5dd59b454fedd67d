"""scripts/upstream_contract.sh: what it reports and how it exits, with its faults injected.

The default tests need no upstream clone (fake check scripts stand in for the real ones). The slow ones
run the real checks against clones in the models' environments and skip with the reason where absent:
FunAudioLLM/Fun-Audio-Chat ($FUN_AUDIO_CHAT_REPO, $FUN_AUDIO_CHAT_PYTHON: transformers==4.52.3, torch,
librosa, accelerate, vfr-bench), XiaomiMiMo/MiMo-Audio ($MIMO_AUDIO_REPO, $MIMO_AUDIO_PYTHON: its
requirements.txt, einops, vfr-bench) and MoonshotAI/Kimi-Audio with its submodule ($KIMI_AUDIO_REPO,
$KIMI_AUDIO_PYTHON: its requirements, vfr-bench).
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


FAKE_CHECK = """import sys
from pathlib import Path
clone = Path(sys.argv[1])
print("checked", clone.name)
behaviour = (clone / "behaviour").read_text().split(":", 1)
print(behaviour[1])
sys.exit(int(behaviour[0]))
"""


def fake_checks(tmp_path: Path, **behaviour: str) -> tuple[Path, list[str]]:
    """A folder of check scripts that print and exit as told ("EXIT:LAST LINE" per adapter), and the
    --clone arguments of one fake clone per adapter."""
    checks = tmp_path / "checks"
    checks.mkdir(parents=True)
    for name in ("fun_audio_chat", "qwen25_omni", "flexislm", "kimi_audio", "mimo_audio"):
        (checks / f"{name}.py").write_text(FAKE_CHECK)
    clones = []
    for adapter, told in behaviour.items():
        clone = tmp_path / adapter
        clone.mkdir()
        (clone / "behaviour").write_text(told)
        clones += ["--clone", f"{adapter}={clone}"]
    return checks, clones


def test_each_outcome_of_a_check_is_reported_and_only_ok_passes(tmp_path):
    checks, clones = fake_checks(
        tmp_path,
        flexislm="0:flexislm: contract holds (s2t, s2s)",
        **{"kimi-audio": "1:kimi-audio: 2 contract failure(s)"},
        **{"mimo-audio": "3:mimo-audio: the tiny model holds on the CPU; not run: needs CUDA (flash-attn)"},
    )
    done = contract("--only", "flexislm,kimi-audio,mimo-audio", "--checks", str(checks), *clones)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "flexislm        ok: flexislm: contract holds (s2t, s2s)" in done.stdout
    assert "kimi-audio      failed: exit 1: kimi-audio: 2 contract failure(s)" in done.stdout
    assert "mimo-audio      not checked: needs CUDA (mimo-audio: the tiny model holds on the CPU" in done.stdout
    assert "1 of 3 passed" in done.stdout and "contract holds\n" not in done.stdout


def test_needs_cuda_is_accepted_only_when_asked_and_a_failure_never_is(tmp_path):
    checks, clones = fake_checks(tmp_path, **{"mimo-audio": "3:cpu part holds; not run: needs CUDA"})
    refused = contract("--only", "mimo-audio", "--checks", str(checks), *clones)
    assert refused.returncode == 1 and "0 of 1 passed" in refused.stdout
    accepted = contract("--only", "mimo-audio", "--checks", str(checks), "--accept-needs-cuda", *clones)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "accepted (--accept-needs-cuda): mimo-audio not checked" in accepted.stdout
    assert "1 of 1 passed; contract holds" in accepted.stdout
    failing, clones = fake_checks(tmp_path / "f", **{"kimi-audio": "1:kimi-audio: 1 contract failure(s)"})
    still = contract("--only", "kimi-audio", "--checks", str(failing), "--accept-needs-cuda", *clones)
    assert still.returncode == 1 and "kimi-audio      failed: exit 1" in still.stdout


def test_an_unknown_exit_status_and_a_silent_check_are_failures(tmp_path):
    checks, clones = fake_checks(tmp_path, flexislm="7:", **{"kimi-audio": "-9:killed"})
    done = contract("--only", "flexislm,kimi-audio", "--checks", str(checks), "--accept-needs-cuda", *clones)
    assert done.returncode == 1
    assert "flexislm        failed: exit 7: checked flexislm" in done.stdout
    assert "kimi-audio      failed: exit 247: killed" in done.stdout


def test_an_environment_whose_python_does_not_start_fails_even_when_accepted(tmp_path):
    checks, clones = fake_checks(tmp_path, flexislm="0:ok")
    python = f"flexislm={tmp_path / 'no-python'}"
    done = contract("--only", "flexislm", "--checks", str(checks), "--python", python, "--accept-needs-cuda", *clones)
    assert done.returncode == 1
    assert "flexislm        not checked: could not start" in done.stdout
    assert "contract holds" not in done.stdout


@pytest.mark.parametrize("adapter", ["flexislm", "kimi-audio", "mimo-audio"])
def test_an_adapter_needing_cuda_without_a_clone_is_not_checked_even_when_accepted(adapter):
    done = contract("--only", adapter, "--accept-needs-cuda")
    assert done.returncode == 1
    assert "not checked: no clone of" in done.stdout and f"--clone {adapter}=PATH" in done.stdout


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


def clone_and_python(repo_var: str, python_var: str, marker: str, what: str) -> tuple[Path, str]:
    repo, python = os.environ.get(repo_var), os.environ.get(python_var)
    if not repo or not (Path(repo) / marker).is_file():
        pytest.skip(f"no {what} clone: set {repo_var} to a clone of it")
    if not python:
        pytest.skip(f"set {python_var} to the Python of the {what} environment")
    return Path(repo), python


@pytest.mark.slow
def test_mimo_audio_holds_its_contract_on_a_tiny_model_of_its_own_code():
    repo, python = clone_and_python(
        "MIMO_AUDIO_REPO", "MIMO_AUDIO_PYTHON", "src/mimo_audio/mimo_audio.py", "MiMo-Audio"
    )
    done = contract("--only", "mimo-audio", "--clone", f"mimo-audio={repo}", "--python", f"mimo-audio={python}")
    assert "tts: n_input_tokens=None achieved_input_hz=None n_output_tokens=11 achieved_output_hz=6.250" in done.stdout
    if "mimo-audio      not checked: needs CUDA" in done.stdout:  # no GPU here: its CPU part held
        assert done.returncode == 1 and "asr: n_input_tokens=9 achieved_input_hz=6.923" in done.stdout
    else:
        assert done.returncode == 0 and "mimo-audio      ok" in done.stdout, done.stdout


@pytest.mark.slow
def test_a_changed_mimo_audio_padding_rule_breaks_the_contract(tmp_path):
    repo, python = clone_and_python(
        "MIMO_AUDIO_REPO", "MIMO_AUDIO_PYTHON", "src/mimo_audio/mimo_audio.py", "MiMo-Audio"
    )
    clone = tmp_path / "MiMo-Audio"
    shutil.copytree(repo / "src", clone / "src")
    code = clone / "src" / "mimo_audio" / "mimo_audio.py"
    source = code.read_text()
    rule = "padding_needed = self.group_size - (num_timesteps % self.group_size)"
    assert rule in source
    code.write_text(source.replace(rule, "padding_needed = 2 * self.group_size - (num_timesteps % self.group_size)"))
    done = contract("--only", "mimo-audio", "--clone", f"mimo-audio={clone}", "--python", f"mimo-audio={python}")
    assert done.returncode == 1 and "mimo-audio      failed: exit 1" in done.stdout
    assert "FAIL mimo-audio: asr: n_input_tokens 10, 1.3 s of 25 Hz frames in patches of 4 give 9" in done.stdout


@pytest.mark.slow
def test_kimi_audio_calls_what_its_code_declares_and_a_renamed_keyword_fails(tmp_path):
    marker = "kimia_infer/api/kimia.py"
    repo, python = clone_and_python("KIMI_AUDIO_REPO", "KIMI_AUDIO_PYTHON", marker, "Kimi-Audio")
    done = contract("--only", "kimi-audio", "--clone", f"kimi-audio={repo}", "--python", f"kimi-audio={python}")
    assert "the adapter counts 4 audio" in done.stdout and "FAIL" not in done.stdout, done.stdout
    clone = tmp_path / "Kimi-Audio"
    shutil.copytree(repo / "kimia_infer", clone / "kimia_infer")
    kimia = clone / marker
    head, tail = kimia.read_text().split("def generate(", 1)
    kimia.write_text(head + "def generate(" + tail.replace("audio_temperature=0.0,", "audio_temp=0.0,", 1))
    broken = contract("--only", "kimi-audio", "--clone", f"kimi-audio={clone}", "--python", f"kimi-audio={python}")
    assert broken.returncode == 1 and "takes no audio_temperature, which the adapter passes" in broken.stdout
