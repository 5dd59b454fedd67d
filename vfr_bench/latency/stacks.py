"""Random-weight transformer stacks for the latency lab, built from a config in code (no download).

Every stack is a Qwen2-style decoder (GQA attention with q/k/v biases, RoPE, SwiGLU, RMSNorm)
built with transformers' Qwen2 classes: the same modules, kernels and KV cache the real models
run. Only the weight values are random, and a decoder step's time does not depend on them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Any

from vfr_bench.latency.roofline import StackShape


@dataclass(frozen=True)
class StackConfig:
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    head_dim: int | None = None  # None: hidden / heads
    tied: bool = False
    rope_theta: float = 1_000_000.0
    has_lm_head: bool = True

    @property
    def resolved_head_dim(self) -> int:
        return self.head_dim or self.hidden // self.heads

    def shape(self, extra_params: int = 0) -> StackShape:
        return StackShape(
            self.layers,
            self.hidden,
            self.intermediate,
            self.heads,
            self.kv_heads,
            self.resolved_head_dim,
            self.vocab,
            self.tied,
            self.has_lm_head,
            extra_params,
        )

    def tiny(self) -> StackConfig:
        """The same structure (grouped-query ratio, tying, output head) at a size a CPU test runs in
        milliseconds."""
        group = min(4, max(1, self.heads // self.kv_heads))
        return replace(
            self,
            layers=2,
            hidden=64,
            intermediate=128,
            heads=group,
            kv_heads=1,
            vocab=min(self.vocab, 512),
            head_dim=16,
        )

    def hf_config(self, max_positions: int) -> Any:
        from transformers import Qwen2Config

        # head_dim and rope_theta are Qwen2Config's own keys, read through its **kwargs in some versions
        return Qwen2Config(  # type: ignore[call-arg]
            vocab_size=self.vocab,
            hidden_size=self.hidden,
            intermediate_size=self.intermediate,
            num_hidden_layers=self.layers,
            num_attention_heads=self.heads,
            num_key_value_heads=self.kv_heads,
            head_dim=self.resolved_head_dim,
            tie_word_embeddings=self.tied,
            rope_theta=self.rope_theta,
            max_position_embeddings=max(max_positions, 32768),
            use_cache=True,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "layers": self.layers,
            "hidden": self.hidden,
            "intermediate": self.intermediate,
            "heads": self.heads,
            "kv_heads": self.kv_heads,
            "head_dim": self.resolved_head_dim,
            "vocab": self.vocab,
            "tied_embeddings": self.tied,
            "lm_head": self.has_lm_head,
        }


class Stack:
    """A built stack with its own KV cache: prefill over embeddings, then one token per step."""

    def __init__(self, config: StackConfig, device: str, dtype: Any, max_positions: int, seed: int = 0):
        import torch
        from transformers import Qwen2ForCausalLM

        torch.manual_seed(seed)
        hf_config = config.hf_config(max_positions)
        previous = torch.get_default_dtype()
        torch.set_default_dtype(dtype)  # build in the timed dtype: a 7B model in fp32 first would need 30 GB
        try:
            with torch.device(device):
                self.model = Qwen2ForCausalLM(hf_config).eval()
        finally:
            torch.set_default_dtype(previous)
        self.config = config
        self.hf_config = hf_config
        self.device = device
        self._cache_arg = (
            "cache" if "cache" in inspect.signature(self.model.model.forward).parameters else "past_key_values"
        )
        self.cache: Any = None

    def parameter_count(self, exclude_embedding: bool = True) -> int:
        total = sum(p.numel() for p in self.model.parameters())
        if exclude_embedding and not self.config.tied:
            total -= self.model.model.embed_tokens.weight.numel()
        return total

    def embed(self, token_ids):
        return self.model.model.embed_tokens(token_ids)

    def reset(self) -> None:
        self.cache = None

    def rewind(self) -> None:
        """Start a new sequence (a patch decoder does, on every LLM step)."""
        self.reset()

    def forward(self, inputs_embeds):
        """Run `inputs_embeds` [B, L, hidden] through the stack with the KV cache; hidden states [B, L, hidden]."""
        from transformers import DynamicCache

        if self.cache is None:
            self.cache = DynamicCache(config=self.hf_config)
        out = self.model.model(inputs_embeds=inputs_embeds, use_cache=True, **{self._cache_arg: self.cache})
        return out.last_hidden_state

    def next_token(self, hidden):
        """Greedy choice from the output head (random weights: the choice is arbitrary, its cost is real)."""
        return self.model.lm_head(hidden).argmax(dim=-1)

    def step(self, token):
        """One decoding step from the previous token [B, 1]: (hidden state [B, 1, hidden], next token)."""
        return self.step_embeds(self.embed(token))

    def step_embeds(self, embeds):
        """One decoding step from an input embedding [B, 1, hidden] (a stage conditioned on the thinker)."""
        hidden = self.forward(embeds)
        return hidden, self.next_token(hidden)
