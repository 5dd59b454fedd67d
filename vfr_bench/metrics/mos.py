"""Reference-free speech quality predictors, each under its own name (never one for another):

- `utmos`: UTMOS22 strong, as the field computes it. Weights from a local state dict
  ($VFR_BENCH_UTMOS_CHECKPOINT, the utmos-pytorch layout, loaded strictly) or, where the hub is
  reachable, SpeechMOS through torch.hub (tarepan/SpeechMOS v1.2.0, utmos22_strong).
- `dnsmos_ovrl`, `dnsmos_sig`, `dnsmos_bak`, `dnsmos_p808`: DNSMOS (P.835 and P.808 ONNX models
  that ship inside the speechmos package; no download).
- `distillmos`: DistillMOS (weights ship in the distillmos package).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.registry import register_metric
from vfr_bench.provenance import installed_version as _v
from vfr_bench.records import SampleRecord

UTMOS_HUB_REPO = "tarepan/SpeechMOS:v1.2.0"
UTMOS_ENV = "VFR_BENCH_UTMOS_CHECKPOINT"
UTMOS_JUDGE_ID = 288  # the listener id SpeechMOS and UTMOS use at inference


class Utmos22Strong:
    """UTMOS22 strong learner: wav2vec 2.0 features + domain embedding + BLSTM/projection head."""

    def __init__(self, predict, route: str):
        self._predict = predict
        self.route = route

    @classmethod
    def from_model(cls, model, route: str = "in-memory model") -> Utmos22Strong:
        """Score with an already built utmos_pytorch UTMOSModel (tests use a random one)."""
        import torch

        model.eval()

        def predict(wave: np.ndarray) -> float:
            with torch.inference_mode():
                wav = torch.from_numpy(wave.astype(np.float32))[None, None]
                out = model(
                    wav=wav,
                    domains=torch.zeros(1, dtype=torch.int),
                    judge_id=torch.full((1,), UTMOS_JUDGE_ID, dtype=torch.int),
                )
                return float(out.mean(dim=1).squeeze() * 2 + 3)

        return cls(predict, route)

    @classmethod
    def from_checkpoint(cls, path: str) -> Utmos22Strong:
        try:
            import torch
            from utmos_pytorch.utmos_torch import UTMOSModel
        except ImportError as err:
            raise MetricUnavailable(f"utmos from a checkpoint needs torch and utmos-pytorch ({err})") from None
        if not os.path.isfile(path):
            raise MetricUnavailable(f"UTMOS checkpoint not found: {path}")
        model = UTMOSModel()
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:
            raise MetricUnavailable(f"UTMOS checkpoint {path} cannot be read: {err}") from None
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:  # utmos-pytorch itself loads non-strictly; a partial load would be garbage
            raise MetricUnavailable(
                f"UTMOS checkpoint {path} does not fit UTMOS22 strong: {len(missing)} missing "
                f"keys (e.g. {missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})"
            )
        return cls.from_model(model, route=f"checkpoint {path}")

    @classmethod
    def from_hub(cls) -> Utmos22Strong:
        try:
            import torch
        except ImportError:
            raise MetricUnavailable("utmos needs torch") from None
        try:
            predictor = torch.hub.load(UTMOS_HUB_REPO, "utmos22_strong", trust_repo=True)
        except Exception as err:
            raise MetricUnavailable(
                f"UTMOS22 strong weights are not available: torch.hub could not fetch {UTMOS_HUB_REPO} ({err}). "
                f"Set {UTMOS_ENV} to a local UTMOS22 strong state dict (utmos-pytorch layout), or score with "
                "an offline predictor instead: --metrics dnsmos_ovrl (a different predictor, named as such)"
            ) from None
        predictor.eval()

        def predict(wave: np.ndarray) -> float:
            with torch.inference_mode():
                return float(predictor(torch.from_numpy(wave.astype(np.float32))[None], 16000).squeeze())

        return cls(predict, f"torch.hub {UTMOS_HUB_REPO}")

    @classmethod
    def load(cls) -> Utmos22Strong:
        path = os.environ.get(UTMOS_ENV)
        return cls.from_checkpoint(path) if path else cls.from_hub()

    def score(self, wave: np.ndarray) -> float:
        return self._predict(wave)


def _utmos(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    audio = ctx.output_audio(record)
    if audio is None:
        return None
    model = ctx.resource("utmos", Utmos22Strong.load)
    return SampleScore(model.score(audio[0]), detail={"route": model.route})


def _utmos_check(ctx: MetricContext) -> None:
    ctx.resource("utmos", Utmos22Strong.load)  # fails before any sample, with the reason


def _dnsmos_all(record: SampleRecord, ctx: MetricContext) -> dict[str, float] | None:
    audio = ctx.output_audio(record)
    if audio is None:
        return None
    cache = ctx.resource("dnsmos-cache", lambda: JsonCache(ctx.cache_dir / "dnsmos.jsonl"))
    key = f"speechmos {_v('speechmos')}|{record.audio}"
    hit = cache.get(key)
    if hit is None:
        from speechmos import dnsmos

        wave = np.clip(audio[0], -1.0, 1.0)
        hit = {k: float(v) for k, v in dnsmos.run(wave, 16000).items()}
        cache.put(key, hit)
    return hit


def _dnsmos(field: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        scores = _dnsmos_all(record, ctx)
        return None if scores is None else SampleScore(scores[field])

    return compute


def _dnsmos_check(ctx: MetricContext | None = None) -> None:
    try:
        import librosa  # noqa: F401
        import onnxruntime  # noqa: F401
        from speechmos import dnsmos  # noqa: F401
    except ImportError as err:
        raise MetricUnavailable(
            f"dnsmos needs speechmos, onnxruntime and librosa ({err}): pip install speechmos onnxruntime librosa"
        ) from None


def _distillmos_model():
    try:
        import distillmos
        import torch  # noqa: F401
    except Exception as err:  # it imports torchaudio, which fails beside a mismatched torch build
        raise MetricUnavailable(
            f"distillmos cannot be imported here ({type(err).__name__}: {err}); it imports "
            "torchaudio at import time, which must match the installed torch build"
        ) from None
    model = distillmos.ConvTransformerSQAModel()
    model.eval()
    return model


def _distillmos_check(ctx: MetricContext | None = None) -> None:
    _distillmos_model()  # fails before any sample, with the reason


def _distillmos(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    audio = ctx.output_audio(record)
    if audio is None:
        return None
    import torch

    model = ctx.resource("distillmos", _distillmos_model)
    with torch.inference_mode():
        return SampleScore(float(model(torch.from_numpy(audio[0].astype(np.float32))[None]).squeeze()))


def _provenance(dist: str, extra: dict[str, Any] | None = None):
    def provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
        return {"predictor": dist, "predictor_version": _v(dist), **(extra or {})}

    return provenance


_COMMON: dict[str, Any] = dict(kind="quality", higher_is_better=True, aggregation="mean", requires=("audio",))
register_metric(
    Metric(
        "utmos", "1", "UTMOS22 strong (SpeechMOS), predicted MOS of the output speech", compute=_utmos,
        display="UTMOS", check=_utmos_check,
        provenance=_provenance("utmos-pytorch", {"hub": UTMOS_HUB_REPO, "checkpoint_env": UTMOS_ENV}), **_COMMON,
    ),
    *(
        Metric(
            f"dnsmos_{f.split('_')[0]}", "1", f"DNSMOS {f.split('_')[0].upper()} (speechmos ONNX), output speech",
            compute=_dnsmos(f), display=f"DNSMOS {f.split('_')[0].upper()}", check=_dnsmos_check,
            provenance=_provenance("speechmos"), **_COMMON,
        )
        for f in ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos")
    ),
    Metric(
        "distillmos", "1", "DistillMOS predicted MOS of the output speech", compute=_distillmos, display="DistillMOS",
        check=_distillmos_check, provenance=_provenance("distillmos"), **_COMMON,
    ),
)  # fmt: skip
