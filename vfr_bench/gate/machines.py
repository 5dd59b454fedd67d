"""Were the two runs made alike? Warnings when the baseline and the candidate ran on other hardware or
other inference backends, or when a manifest does not say.

The same checkpoint gave uniform WER 0.442 at 6.25 Hz on an AMD EPYC and 0.370 on an Intel Xeon,
identical on re-runs of each: CTranslate2 selects its kernels by CPU (AVX2 with oneDNN there, AVX512
with MKL here). A gate across machines compares machines as well as checkpoints, so it says so, for
quality as well as latency. Warnings never change the verdict or the exit code.
"""

from __future__ import annotations

from typing import Any

from vfr_bench.backend_info import backend_differences, backend_known
from vfr_bench.gate.data import RunData
from vfr_bench.records import Manifest

UNKNOWN_WHY = "a run made before vfr-bench recorded it, or an adapter that does not report it"


def hardware_of(manifest: Manifest) -> dict[str, Any] | None:
    """What of the machine changes numbers: CPU model, architecture, cores, GPUs (None: not recorded)."""
    hw = manifest.hardware
    if not hw or not (hw.get("cpu") or hw.get("gpus")):
        return None
    return {
        "cpu": hw.get("cpu"),
        "machine": hw.get("machine"),
        "cpu_count": hw.get("cpu_count"),
        "gpus": [g.get("name") for g in hw.get("gpus") or []],
    }


def _hardware_words(hw: dict[str, Any]) -> str:
    cpu = f"{hw['cpu'] or 'unknown CPU'}" + (f", {hw['cpu_count']} cores" if hw.get("cpu_count") else "")
    cpu += f" ({hw['machine']})" if hw.get("machine") else ""
    return cpu + (f", GPU {', '.join(str(g) for g in hw['gpus'])}" if hw["gpus"] else "")


def model_backend(run: RunData) -> Any:
    return (run.manifest.models.get(run.model) or {}).get("backend")


def judge_backend(run: RunData) -> Any:
    return (run.manifest.judges.get("asr_judge") or {}).get("asr_judge_backend")


def run_warnings(base: RunData, cand: RunData) -> list[str]:
    """Every reason the two runs' numbers may differ other than the checkpoint, in words."""
    out = _hardware_warnings(base, cand)
    out += _backend_warnings("the model", model_backend(base), model_backend(cand), _model_words(base, cand))
    if "asr_judge" in base.manifest.judges or "asr_judge" in cand.manifest.judges:
        out += _backend_warnings("the ASR judge", judge_backend(base), judge_backend(cand), "")
    return out


def _model_words(base: RunData, cand: RunData) -> str:
    return f" ({base.model})" if base.model == cand.model else f" ({base.model} vs {cand.model})"


def _hardware_warnings(base: RunData, cand: RunData) -> list[str]:
    hb, hc = hardware_of(base.manifest), hardware_of(cand.manifest)
    missing = [role for role, hw in (("baseline", hb), ("candidate", hc)) if hw is None]
    if missing:
        return [
            f"the {' and the '.join(missing)} manifest does not record the hardware it ran on: quality and "
            "latency differences may be the machine, not the checkpoint"
        ]
    assert hb is not None and hc is not None
    if hb == hc:
        return []
    return [
        f"baseline and candidate ran on different hardware ({_hardware_words(hb)} vs {_hardware_words(hc)}): "
        "a quality or latency difference may be the machine, not the checkpoint (inference kernels differ by "
        "CPU and GPU)"
    ]


def _backend_warnings(what: str, before: Any, after: Any, names: str) -> list[str]:
    unknown = [(role, info) for role, info in (("baseline", before), ("candidate", after)) if not backend_known(info)]
    if unknown:
        why = "; ".join(
            f"{role}: probe failed ({info['probe_error']})" if isinstance(info, dict) and "probe_error" in info
            else f"{role}: not recorded ({UNKNOWN_WHY})"
            for role, info in unknown
        )  # fmt: skip
        return [
            f"{what}'s inference backend{names} is unknown ({why}): the gate cannot tell whether both runs "
            "computed with the same numerics (ISA, GEMM library, compute type)"
        ]
    changes = backend_differences(before, after)
    if not changes:
        return []
    return [
        f"{what} ran on different inference backends{names}: {'; '.join(changes)}. {_why_it_matters(before)}: "
        "a quality difference may be the machine or the backend, not the checkpoint"
    ]


def _why_it_matters(backend: dict[str, Any]) -> str:
    engine = str(backend.get("engine", ""))
    if engine.startswith("ctranslate2"):
        return "CTranslate2's numerics differ by CPU ISA, GEMM library and compute type"
    if engine.startswith("torch"):
        return "torch's numerics differ by ISA, GPU, dtype and TF32 settings"
    return "numerics differ by backend"
