"""Roofline bounds for the latency lab: the least time a step can take on a given card.

A decode step must read every weight it uses and the KV cache written so far from device memory
at least once, so bytes / peak bandwidth bounds it from below. A prefill must do its FLOPs, so
FLOPs / peak throughput bounds it (and it must read the weights once too: the larger bound counts).
"""

from __future__ import annotations

from dataclasses import dataclass

# Peak figures from the vendors' data sheets: memory bandwidth in bytes/s and dense bf16 tensor
# throughput in FLOP/s (no sparsity). Matched against torch.cuda.get_device_name(), first hit wins.
CARD_PEAKS: tuple[tuple[str, str, float, float], ...] = (
    ("H200", "NVIDIA H200 (SXM, HBM3e)", 4.8e12, 989e12),
    ("H100 PCIe", "NVIDIA H100 PCIe", 2.0e12, 756e12),
    ("H100 NVL", "NVIDIA H100 NVL", 3.9e12, 835e12),
    ("H100", "NVIDIA H100 SXM (HBM3)", 3.35e12, 989e12),
    ("A100-SXM4-80GB", "NVIDIA A100 SXM 80GB", 2.039e12, 312e12),
    ("A100 80GB PCIe", "NVIDIA A100 PCIe 80GB", 1.935e12, 312e12),
    ("A100", "NVIDIA A100 40GB", 1.555e12, 312e12),
    ("L40S", "NVIDIA L40S", 0.864e12, 362e12),
    ("RTX 4090", "NVIDIA GeForce RTX 4090", 1.008e12, 165e12),
    ("A10G", "NVIDIA A10G", 0.6e12, 70e12),
)


@dataclass(frozen=True)
class DevicePeaks:
    name: str
    bandwidth: float | None  # bytes per second
    flops: float | None  # FLOP per second in the timed dtype
    source: str


def detect_peaks(
    device_name: str, bandwidth_gbs: float | None = None, tflops: float | None = None, dtype: str = "bf16"
) -> DevicePeaks:
    """The card's peaks from the table, overridden by what the user gives (GB/s, TFLOP/s). The table's
    throughput is dense bf16/fp16; for fp32 it is left unknown unless given."""
    bandwidth = flops = None
    source = "unknown card: give --peak-bandwidth and --peak-tflops"
    for key, label, bw, fl in CARD_PEAKS:
        if key.lower() in device_name.lower():
            bandwidth, flops, source = bw, (fl if dtype in ("bf16", "fp16") else None), f"data sheet: {label}"
            if dtype not in ("bf16", "fp16"):
                source += f" (no {dtype} throughput in the table: give --peak-tflops)"
            break
    if bandwidth_gbs is not None:
        bandwidth, source = bandwidth_gbs * 1e9, "user-given" if flops is None else source + "; bandwidth user-given"
    if tflops is not None:
        flops, source = tflops * 1e12, source + "; throughput user-given"
    return DevicePeaks(device_name, bandwidth, flops, source)


@dataclass(frozen=True)
class StackShape:
    """What the roofline needs to know about one transformer stack."""

    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    tied: bool
    has_lm_head: bool = True
    extra_params: int = 0  # projections and heads outside the stack, read once per step

    def layer_params(self) -> int:
        attention = self.hidden * self.heads * self.head_dim * 2 + self.hidden * self.kv_heads * self.head_dim * 2
        attention_bias = self.heads * self.head_dim + 2 * self.kv_heads * self.head_dim  # Qwen2 q/k/v biases
        mlp = 3 * self.hidden * self.intermediate
        norms = 2 * self.hidden
        return attention + attention_bias + mlp + norms

    def weights_read_per_step(self) -> int:
        """Parameters one decode step reads: the layers, the final norm, the output head (an
        embedding lookup reads one row, negligible)."""
        head = self.vocab * self.hidden if self.has_lm_head else 0
        return self.layers * self.layer_params() + self.hidden + head + self.extra_params

    def kv_bytes_per_position(self, bytes_per_element: int) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_element

    def matmul_params(self) -> int:
        """Parameters that take part in a matrix product for every token of a prefill."""
        return self.layers * self.layer_params() + self.extra_params


def decode_bytes(shape: StackShape, context: int, batch: int, bytes_per_element: int) -> int:
    """Bytes one decode step must read: weights once, plus the KV cache of `context` positions per sequence."""
    return shape.weights_read_per_step() * bytes_per_element + batch * context * shape.kv_bytes_per_position(
        bytes_per_element
    )


def prefill_flops(shape: StackShape, length: int, batch: int) -> float:
    """2 FLOPs per parameter per token, plus causal attention (QK^T and AV: 2 x 2 x L^2/2 x heads x head_dim
    per layer), plus the output head for the last position only."""
    dense = 2.0 * shape.matmul_params() * length * batch
    attention = 2.0 * shape.layers * shape.heads * shape.head_dim * length * length * batch
    head = 2.0 * shape.vocab * shape.hidden * batch if shape.has_lm_head else 0.0
    return dense + attention + head


def decode_bound_seconds(
    shape: StackShape, start_context: int, steps: int, batch: int, bytes_per_element: int, peaks: DevicePeaks
) -> float | None:
    """Least time for `steps` decode steps starting after `start_context` cached positions."""
    if peaks.bandwidth is None or steps <= 0:
        return None if peaks.bandwidth is None else 0.0
    weights = shape.weights_read_per_step() * bytes_per_element * steps
    # positions attended at step k: start_context + k (the new token's K/V are written then read)
    positions = steps * start_context + steps * (steps + 1) // 2
    kv = batch * positions * shape.kv_bytes_per_position(bytes_per_element)
    return (weights + kv) / peaks.bandwidth


def prefill_bound_seconds(
    shape: StackShape, length: int, batch: int, bytes_per_element: int, peaks: DevicePeaks
) -> float | None:
    """max(compute bound, weights-once memory bound) for one prefill of `length` positions."""
    bounds = []
    if peaks.flops is not None:
        bounds.append(prefill_flops(shape, length, batch) / peaks.flops)
    if peaks.bandwidth is not None:
        bounds.append(shape.weights_read_per_step() * bytes_per_element / peaks.bandwidth)
    return max(bounds) if bounds else None


def roofline_bounds(
    arch, plan, batch: int, bytes_per_element: int, peaks: DevicePeaks
) -> tuple[float | None, float | None]:
    """(prefill bound, AR-loop bound) in seconds for one request of `arch` under `plan`
    (vfr_bench.latency.timing.StepPlan), following the loop step for step."""
    thinker = arch.thinker.shape()
    prefill = prefill_bound_seconds(thinker, plan.prefill_length, batch, bytes_per_element, peaks)
    ar = decode_bound_seconds(thinker, plan.prefill_length, plan.thinker_steps, batch, bytes_per_element, peaks)
    talker_context = plan.prefill_length + (0 if plan.speech_from_thinker else plan.leading_text_steps)
    for stage in arch.stages:
        shape = stage.stack.shape(extra_params=arch.thinker.hidden * stage.stack.hidden)  # the input projection
        if stage.local:  # a fresh cache at every LLM step
            one = decode_bound_seconds(shape, 0, stage.steps_per_llm_step, batch, bytes_per_element, peaks)
            bound = None if one is None else one * plan.speech_steps
        else:
            bound = decode_bound_seconds(
                shape, talker_context, stage.steps_per_llm_step * plan.speech_steps, batch, bytes_per_element, peaks
            )
            stage_prefill = prefill_bound_seconds(shape, talker_context, batch, bytes_per_element, peaks)
            if plan.speech_from_thinker:  # prefilled with the thinker, before the first token
                prefill = None if prefill is None or stage_prefill is None else prefill + stage_prefill
            elif bound is not None and stage_prefill is not None:  # prefilled after the text, inside the loop
                bound += stage_prefill
        ar = None if ar is None or bound is None else ar + bound
    return prefill, ar
