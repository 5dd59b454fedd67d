"""The `vllm` latency backend: the thinker served by vLLM (paged KV cache, CUDA graphs, its own
kernels), with random weights (`load_format="dummy"`) from a config the lab writes, so nothing is
downloaded. vLLM builds Qwen2-family decoders, which every thinker here is; the stages hung off a
thinker (talkers, patch decoders, speech heads) are no vLLM model, so this backend times thinkers
alone (`--arch NAME-thinker`). vLLM is an optional extra that runs on a GPU only.

One timed request is three engine calls with fresh random prompts (prefix caching off, so no
prefill is reused): the prefill with its first token (`max_tokens=1`), the request up to its first
speech step (t_first_token), then the whole request (the first token plus one token per planned
thinker step, `ignore_eos`, so the count never depends on the random weights). t_ar is the whole
request's time less the prefill's. A batch of B is B such prompts in one call.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from vfr_bench.latency.architectures import Architecture
from vfr_bench.latency.stacks import StackConfig
from vfr_bench.latency.timing import RequestTimes, StepPlan

DTYPES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}
GPU_MEMORY_SHARE = 0.5  # of the card for weights and KV cache: room for what else the lab holds


class LabUnsupported(RuntimeError):
    """This backend cannot time this architecture here (a stage vLLM cannot build, no vLLM, no GPU)."""


def write_model_folder(config: StackConfig, max_positions: int, dtype: str, folder: Path) -> Path:
    """A Hugging Face model folder with the stack's config.json alone: vLLM's dummy loader needs no weights."""
    hf = config.hf_config(max_positions)
    hf.architectures = ["Qwen2ForCausalLM"]
    folder.mkdir(parents=True, exist_ok=True)
    data = hf.to_dict()
    # both spellings: transformers 5 writes rope_parameters and dtype, the 4.x that a vLLM may pin reads
    # rope_theta and torch_dtype
    data.update(rope_theta=config.rope_theta, torch_dtype=DTYPES[dtype], dtype=DTYPES[dtype])
    (folder / "config.json").write_text(json.dumps(data, indent=2))
    return folder


def request_tokens(p: StepPlan) -> int:
    """Tokens the engine generates for one request: the prefill's first token, then one per thinker step
    (what the eager and compiled labs run)."""
    return 1 + p.thinker_steps


def steps_to_first_speech(p: StepPlan) -> int:
    """Thinker steps up to and including the first speech step, as the eager lab's loop orders them
    (text steps spread evenly among the speech steps, the first ones before the first speech step)."""
    text = 0
    while text < p.text_steps and text * p.speech_steps < p.text_steps:
        text += 1
    return p.leading_text_steps + text + 1


def check_installed() -> None:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise LabUnsupported("the vllm backend needs vLLM, on a GPU machine: pip install vllm")


def check_supported(arch: Architecture, device: str) -> None:
    if arch.stages:
        names = ", ".join(s.name for s in arch.stages)
        raise LabUnsupported(
            f"vllm builds {arch.name}'s thinker, not its {names}: time the thinker alone with "
            f"--arch {arch.name.removesuffix('-tiny')}-thinker"
        )
    if not device.startswith("cuda"):
        raise LabUnsupported("vllm runs on a GPU: --device cuda")


class VllmLab:
    """A thinker architecture served by vLLM on one GPU, ready to time requests."""

    def __init__(self, arch: Architecture, device: str, dtype: str, max_positions: int, seed: int = 0):
        check_supported(arch, device)
        try:
            from vllm import LLM
        except ImportError as err:
            raise LabUnsupported(f"the vllm backend needs vLLM on a GPU machine: pip install vllm ({err})") from None
        self.arch, self.device, self.seed = arch, device, seed
        self._folder = Path(tempfile.mkdtemp(prefix="vfr-bench-vllm-"))
        write_model_folder(arch.thinker, max_positions, dtype, self._folder)
        self.llm = LLM(
            model=str(self._folder), load_format="dummy", dtype=DTYPES[dtype], skip_tokenizer_init=True,
            max_model_len=max_positions, enable_prefix_caching=False, seed=seed,
            gpu_memory_utilization=GPU_MEMORY_SHARE,
        )  # fmt: skip
        self._rng = random.Random(seed)

    def _prompts(self, p: StepPlan, batch: int) -> list[Any]:
        from vllm.inputs import TokensPrompt

        vocab = self.arch.thinker.vocab
        # the speech positions as token ids: the same prefill length and the same work as embeddings
        return [
            TokensPrompt(prompt_token_ids=[self._rng.randrange(vocab) for _ in range(p.prefill_length)])
            for _ in range(batch)
        ]

    def _timed(self, p: StepPlan, batch: int, tokens: int) -> float:
        from vllm import SamplingParams

        params = SamplingParams(
            max_tokens=tokens, min_tokens=tokens, ignore_eos=True, temperature=0.0, detokenize=False
        )
        prompts = self._prompts(p, batch)
        start = time.perf_counter()
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        elapsed = time.perf_counter() - start
        made = [len(o.outputs[0].token_ids) for o in outputs]
        if made != [tokens] * batch:  # the count is what is timed: anything else is no measurement
            raise RuntimeError(f"vLLM generated {made} tokens per prompt, {tokens} were asked for")
        return elapsed

    def run(self, p: StepPlan, batch: int = 1) -> RequestTimes:
        t_prefill = self._timed(p, batch, 1)
        t_first_token = self._timed(p, batch, 1 + steps_to_first_speech(p))
        t_total = self._timed(p, batch, request_tokens(p))
        t_ar = t_total - t_prefill
        return RequestTimes(
            t_prefill=t_prefill, t_first_token=t_first_token, t_ar=t_ar, t_total=t_total,
            stage_seconds={"thinker": t_ar}, stage_steps={"thinker": p.thinker_steps},
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        from vfr_bench.provenance import installed_version

        return {"vllm_version": installed_version("vllm"), "gpu_memory_utilization": GPU_MEMORY_SHARE}

    def close(self) -> None:
        import gc

        del self.llm
        gc.collect()
        shutil.rmtree(self._folder, ignore_errors=True)
        import torch

        torch.cuda.empty_cache()
