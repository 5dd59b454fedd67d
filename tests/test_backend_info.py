"""What the manifest records of an inference backend: CTranslate2's dispatch read from its own log (on
fixed log text, and probed for real on Whisper tiny.en), a failed probe recorded as a failure, torch's
settings, and the backends the training-free models, the ASR judge and a torch adapter report."""

from __future__ import annotations

import subprocess

import pytest

from vfr_bench import backend_info
from vfr_bench.backend_info import (
    backend_differences,
    backend_known,
    ctranslate2_backend,
    module_dtype,
    parse_ct2_log,
    torch_backend,
)

AMD_LOG = """\
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info] CPU: AuthenticAMD (SSE4.1=true, AVX=true, AVX2=true, AVX512=true)
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info]  - Selected ISA: AVX2
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info]  - Use Intel MKL: false
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info]  - SGEMM backend: DNNL (packed: false)
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info]  - GEMM_S16 backend: none (packed: false)
[2026-11-30 10:20:33.050] [ctranslate2] [thread 31400] [info]  - GEMM_S8 backend: DNNL (packed: false, u8s8 preferred: true)
[2026-11-30 10:20:33.365] [ctranslate2] [thread 31400] [info] Loaded model /m on device cpu:0
[2026-11-30 10:20:33.365] [ctranslate2] [thread 31400] [info]  - Binary version: 6
[2026-11-30 10:20:33.365] [ctranslate2] [thread 31400] [info]  - Selected compute type: int8_float32
"""  # noqa: E501  (CTranslate2 4.8.5 on this project's AMD EPYC, as printed)


def tiny_en() -> str:
    pytest.importorskip("ctranslate2")
    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model
    from vfr_bench.metrics.base import MetricUnavailable

    try:
        return str(offline_ctranslate2_model("tiny.en"))
    except MetricUnavailable as err:
        pytest.skip(str(err))


def test_the_dispatch_is_read_from_the_log_lines():
    assert parse_ct2_log(AMD_LOG) == {
        "cpu_vendor": "AuthenticAMD",
        "cpu_features": "SSE4.1=true, AVX=true, AVX2=true, AVX512=true",
        "isa": "AVX2",
        "mkl": False,
        "sgemm_backend": "DNNL (packed: false)",
        "gemm_s8_backend": "DNNL (packed: false, u8s8 preferred: true)",
        "compute_type": "int8_float32",
    }
    intel = AMD_LOG.replace("AuthenticAMD", "GenuineIntel").replace("ISA: AVX2", "ISA: AVX512")
    intel = intel.replace("MKL: false", "MKL: true").replace("DNNL", "MKL")
    parsed = parse_ct2_log(intel)
    assert (parsed["cpu_vendor"], parsed["isa"], parsed["mkl"], parsed["sgemm_backend"]) == (
        "GenuineIntel", "AVX512", True, "MKL (packed: false)",
    )  # fmt: skip
    gpu = parse_ct2_log("[info] GPU #0: NVIDIA H100 80GB HBM3 (CC=9.0)\n[info]  - Selected compute type: float16\n")
    assert gpu == {"gpus": ["NVIDIA H100 80GB HBM3 (CC=9.0)"], "compute_type": "float16"}
    assert parse_ct2_log("nothing useful\n") == {}


def test_a_real_probe_reports_the_dispatch_and_caches_it(monkeypatch):
    model = tiny_en()
    monkeypatch.delenv("CT2_FORCE_CPU_ISA", raising=False)
    monkeypatch.delenv("CT2_USE_MKL", raising=False)
    info = ctranslate2_backend(model, "cpu", "int8")
    assert info["engine"].startswith("ctranslate2 4.") and info["device"] == "cpu"
    assert info["requested_compute_type"] == "int8" and info["compute_type"].startswith("int8")
    assert info["isa"] in info["cpu_features"] or info["isa"] == "GENERIC"
    assert isinstance(info["mkl"], bool) and info["sgemm_backend"] and info["env"] == {}
    assert backend_known(info)

    def no_subprocess(*args, **kwargs):
        raise AssertionError("probed again")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert ctranslate2_backend(model, "cpu", "int8") == info  # cached in the process


def test_the_users_ct2_settings_reach_the_probe_and_are_recorded(monkeypatch):
    model = tiny_en()
    monkeypatch.setenv("CT2_FORCE_CPU_ISA", "AVX")
    info = ctranslate2_backend(model, "cpu", "int8")
    assert info["isa"] == "AVX" and info["env"] == {"CT2_FORCE_CPU_ISA": "AVX"}


def test_a_failed_probe_is_recorded_as_such_and_invents_nothing(tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    info = ctranslate2_backend(str(tmp_path / "no-model"), "cpu", "int8")
    assert "probe_error" in info and "model.bin" in info["probe_error"]
    assert not {"isa", "mkl", "compute_type", "cpu_vendor"} & set(info) and not backend_known(info)
    monkeypatch.setattr(backend_info, "_CT2_CACHE", {})
    monkeypatch.setattr(backend_info, "PROBE", "import sys\nprint('no log at all')\n")
    silent = ctranslate2_backend(str(tmp_path / "other"), "cpu", "int8")
    assert silent["probe_error"] == "CTranslate2 logged no 'Selected compute type' line"


def test_torch_settings():
    torch = pytest.importorskip("torch")
    info = torch_backend(module_dtype(torch.nn.Linear(2, 2)), "cpu")
    assert info["engine"] == f"torch {torch.__version__}" and info["dtype"] == "float32"
    assert info["isa"] == torch.backends.cpu.get_cpu_capability() and info["device"] == "cpu"
    assert info["float32_matmul_precision"] == torch.get_float32_matmul_precision()
    assert set(info["allow_tf32"]) == {"matmul", "cudnn"} and "gpu" not in info
    assert torch_backend(torch.bfloat16, "cpu")["dtype"] == "bfloat16"
    assert module_dtype(object()) is None and module_dtype(torch.nn.ReLU()) is None


def test_differences_name_the_weightiest_fields_first():
    amd = {"engine": "ctranslate2 4.8.5", "cpu_vendor": "AuthenticAMD", "isa": "AVX2", "mkl": False, "env": {}}
    intel = {**amd, "cpu_vendor": "GenuineIntel", "isa": "AVX512", "mkl": True}
    assert backend_differences(amd, intel) == [
        "isa AVX2 vs AVX512", "mkl false vs true", "cpu_vendor AuthenticAMD vs GenuineIntel",
    ]  # fmt: skip
    assert backend_differences(amd, {**amd, "env": {"CT2_USE_MKL": "1"}}) == ["env {} vs {CT2_USE_MKL=1}"]
    assert backend_differences(amd, dict(amd)) == []


def test_the_training_free_model_and_the_asr_judge_record_their_backend():
    tiny_en()
    from vfr_bench.baselines.training_free.adapter import TrainingFreeAdapter
    from vfr_bench.metrics.asr_judge import FasterWhisperJudge

    adapter = TrainingFreeAdapter(device="cpu")
    assert "backend" not in adapter.describe()  # nothing loaded, nothing to say
    adapter.load()
    model = adapter.describe()["backend"]
    judge = FasterWhisperJudge("tiny.en", "cpu").describe()["asr_judge_backend"]
    assert model == judge and model["requested_compute_type"] == "int8" and backend_known(model)


def test_a_torch_adapter_records_its_dtype_and_device():
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    if tuple(int(x) for x in transformers.__version__.split(".")[:2]) < (4, 52):
        pytest.skip("Qwen2.5-Omni needs transformers>=4.52")
    from vfr_bench.baselines.qwen25_omni import TINY_CONFIG, Qwen25OmniAdapter

    adapter = Qwen25OmniAdapter(device="cpu", random_init_config=str(TINY_CONFIG))
    assert "backend" not in adapter.describe()
    adapter.load()
    backend = adapter.describe()["backend"]
    assert backend["dtype"] == "float32" and backend["device"] == "cpu" and backend["engine"].startswith("torch ")


def test_a_resume_on_other_numerics_is_named_and_unknown_backends_are_not_guessed():
    from vfr_bench.backend_info import resume_conflict

    amd = {"engine": "ctranslate2 4.8.5", "isa": "AVX2", "mkl": False, "env": {}}
    forced = {**amd, "isa": "AVX512", "env": {"CT2_FORCE_CPU_ISA": "AVX512"}}
    assert resume_conflict(amd, forced) == (
        "its inference backend changed (isa AVX2 vs AVX512; env {} vs {CT2_FORCE_CPU_ISA=AVX512})"
    )
    assert resume_conflict(amd, dict(amd)) is None
    assert resume_conflict(None, amd) is None and resume_conflict({**amd, "probe_error": "x"}, forced) is None


def test_the_blas_threads_numpy_computes_with_are_read_not_guessed():
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="pip install 'vfr-bench[builtin]'")
    import numpy  # noqa: F401  (its BLAS loaded before the limit, as in any run)

    from vfr_bench.backend_info import numpy_blas_threads, resume_conflict

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        assert numpy_blas_threads() == 1  # what a Ray worker holding one CPU computes with
    amd = {"engine": "ctranslate2 4.8.5", "isa": "AVX2", "mkl": False, "env": {}, "numpy_blas_threads": 2}
    assert resume_conflict(amd, {**amd, "numpy_blas_threads": 1}) == (
        "its inference backend changed (numpy_blas_threads 2 vs 1)"
    )
