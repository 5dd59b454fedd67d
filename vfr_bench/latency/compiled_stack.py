"""The `compiled` latency backend: a stack with transformers' static KV cache whose one-token step
(embedding, decoder, output head, greedy choice) is one `torch.compile` graph, CUDA-graphed on a GPU
(mode "reduce-overhead"), as a serving stack decodes. Prefill stays eager: it runs once a request.

The cache holds `max_positions` slots per sequence; a decoder step attends over all of them, the
ones not yet written masked out, so a step's shapes never change and its graph is replayed as is.
"""

from __future__ import annotations

from typing import Any

from vfr_bench.latency.stacks import Stack, StackConfig


class CompiledStack(Stack):
    def __init__(self, config: StackConfig, device: str, dtype: Any, max_positions: int, seed: int = 0):
        import torch

        super().__init__(config, device, dtype, max_positions, seed)
        self.torch = torch
        self.max_positions = max_positions
        self.batch: int | None = None
        self.cuda = device.startswith("cuda")
        mode = "reduce-overhead" if self.cuda else "default"  # CUDA graphs exist only on a GPU
        # every stack and batch size is a graph of its own; past the limit dynamo would run the step
        # eagerly and the figures would be eager ones under the compiled name: room, then an error
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
        torch._dynamo.config.fail_on_recompile_limit_hit = True
        self._token_step = torch.compile(self._eager_token_step, mode=mode, fullgraph=True, dynamic=False)
        self._embeds_step = torch.compile(self._eager_embeds_step, mode=mode, fullgraph=True, dynamic=False)

    def _ensure_cache(self, batch: int) -> None:
        """A static cache for this batch size, its tensors allocated outside any compiled graph."""
        if self.batch == batch:
            return
        from transformers import StaticCache

        self.cache = StaticCache(config=self.hf_config, max_cache_len=self.max_positions)
        dummy = self.torch.zeros(batch, 1, self.config.hidden, device=self.device, dtype=self.model.dtype)
        self.model.model(inputs_embeds=dummy, use_cache=True, **{self._cache_arg: self.cache})  # allocates
        self.batch = batch
        self.rewind()

    def reset(self) -> None:
        if self.cache is not None:
            self.cache.reset()  # zeroed between requests, outside the timed part

    def rewind(self) -> None:
        """Start a new sequence without clearing the slots (a patch decoder, every LLM step): positions
        beyond the sequence are masked, so stale keys are never read."""
        if self.cache is not None:  # one launch for all layers: it runs inside the timed loop
            self.torch._foreach_zero_([layer.cumulative_length for layer in self.cache.layers])

    def forward(self, inputs_embeds):
        self._ensure_cache(inputs_embeds.shape[0])
        if inputs_embeds.shape[1] == 1:
            return self.step_embeds(inputs_embeds)[0]
        out = self.model.model(inputs_embeds=inputs_embeds, use_cache=True, **{self._cache_arg: self.cache})
        return out.last_hidden_state

    def step(self, token):
        self._ensure_cache(token.shape[0])
        return self._replayed(self._token_step, token)

    def step_embeds(self, embeds):
        self._ensure_cache(embeds.shape[0])
        return self._replayed(self._embeds_step, embeds)

    def _replayed(self, fn, x):
        if self.cuda:
            self.torch.compiler.cudagraph_mark_step_begin()
        hidden, token = fn(x)
        # a CUDA graph's outputs are overwritten by its next replay: keep copies (B x hidden, B ids)
        return hidden.clone(), token.clone()

    def _eager_token_step(self, token):
        return self._eager_embeds_step(self.embed(token))

    def _eager_embeds_step(self, embeds):
        hidden = self.model.model(inputs_embeds=embeds, use_cache=True, **{self._cache_arg: self.cache})
        hidden = hidden.last_hidden_state
        return hidden, self.model.lm_head(hidden).argmax(dim=-1)


def check_graphs(device: str) -> None:
    """Refuse to time a `compiled` step that inductor ran without its CUDA graph (it says why in its log)."""
    if not device.startswith("cuda"):
        return
    from torch._dynamo.utils import counters

    skipped = counters["inductor"]["cudagraph_skips"]
    if skipped:
        raise RuntimeError(
            f"inductor skipped CUDA graphs {skipped} time(s), so `compiled` would not time what it says; "
            "TORCH_LOGS=perf_hints shows why"
        )
