"""GPU check for the adapters (issue 4): the tiny Qwen2.5-Omni through the runner on CUDA, and a
check that t_total includes queued device work (a deliberately slow kernel launched asynchronously
must show up in t_total).

    python scripts/gpu_adapter_check.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import soundfile as sf

from vfr_bench.baselines.qwen25_omni import TINY_CONFIG
from vfr_bench.jsonl import read_jsonl
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks


class SlowKernelAdapter(Adapter):
    """Queues `matmuls` 8192^2 bf16 products on the GPU and returns without waiting for them."""

    name = "slow-kernel"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr"})
    rate_control = RateControl("controllable", native_input_hz=25.0, native_output_hz=25.0, min_hz=1, max_hz=25)
    options = {"matmuls": (int, 0, "products queued per request")}

    def load(self) -> None:
        import torch

        self.a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)

    def generate(self, request: Request) -> Response:
        for _ in range(self.config["matmuls"]):
            self.a @ self.a  # queued, not awaited: only the runner's synchronisation can time it
        return Response(text="", n_input_tokens=1)


def manifest(folder: Path, n: int = 3) -> Path:
    lines = []
    for i in range(n):
        t = np.arange(int((1.0 + 0.5 * i) * 16000)) / 16000
        sf.write(folder / f"u{i}.wav", (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
        lines.append(json.dumps({"id": f"u{i}", "audio": f"u{i}.wav", "text": "x"}))
    (folder / "m.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "m.jsonl"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "results/gpu-adapter-check")
    out.mkdir(parents=True, exist_ok=True)
    import torch

    print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
    tasks = all_tasks()
    with tempfile.TemporaryDirectory() as tmp:
        data = manifest(Path(tmp))
        cfg = RunConfig(
            models=["qwen2.5-omni"],
            rate_specs=parse_rate_specs("native"),
            tasks=[tasks["rate-fidelity"], tasks["asr"]],
            out=out / "qwen-tiny",
            data=str(data),
            device="cuda",
            warmup=1,
            model_options={
                "qwen2.5-omni": {
                    "random_init_config": str(TINY_CONFIG),
                    "thinker_max_new_tokens": "16",
                    "talker_max_new_tokens": "100",
                }
            },
        )
        Runner(cfg).run()
        for r in read_jsonl(out / "qwen-tiny" / "samples.jsonl"):
            print(
                r["task"],
                r["sample_id"],
                r["status"],
                r["error"] or "",
                "in Hz %.2f" % (r["achieved_input_hz"] or 0),
                "out Hz",
                r["achieved_output_hz"],
                {k: None if v is None else round(v, 4) for k, v in r["timings"].items()},
                {k: round(v, 4) for k, v in ((r.get("adapter_extra") or {}).get("stage_seconds") or {}).items()},
            )
        models = model_registry(builtins=False)
        models.add("slow-kernel", SlowKernelAdapter)
        registry = ModelRegistry(models)
        for matmuls in (0, 200):
            cfg = RunConfig(
                models=["slow-kernel"],
                rate_specs=parse_rate_specs("25"),
                tasks=[tasks["asr"]],
                out=out / f"slow-{matmuls}",
                data=str(data),
                device="cuda",
                warmup=1,
                model_options={"slow-kernel": {"matmuls": matmuls}},
            )
            Runner(cfg, registry=registry).run()
            totals = [r["timings"]["t_total"] for r in read_jsonl(out / f"slow-{matmuls}" / "samples.jsonl")]
            print(
                f"slow kernel: {matmuls} queued 8192^2 bf16 matmuls -> t_total {np.round(totals, 4).tolist()} s"
                f" (expected about {matmuls * 2 * 8192**3 / 790e12:.3f} s at 790 TFLOP/s)"
            )


if __name__ == "__main__":
    main()
