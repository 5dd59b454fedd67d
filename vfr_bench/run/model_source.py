"""How a run makes a model's adapter, wherever it runs: in this process, in a worker process in the
model's own environment (`model_envs`), or inside a Ray actor on another node, which gets the
ModelSource (it pickles) rather than the adapter (which need not)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vfr_bench.isolation import WORKER_TIMEOUT_S
from vfr_bench.models import ModelRegistry
from vfr_bench.protocol import Adapter


@dataclass(frozen=True)
class ModelSource:
    name: str
    device: str = "cpu"
    options: dict[str, Any] = field(default_factory=dict)
    env_python: str | None = None  # the interpreter of the model's own environment: run it as a worker
    worker_timeout: float = WORKER_TIMEOUT_S
    registry: ModelRegistry | None = None  # None: the built-in registry, with entry points and plug-ins

    def create(self) -> Adapter:
        """The adapter, instantiated and checked (not loaded); a model worker is started and has said
        hello, so a bad option or environment fails here."""
        registry = self.registry or ModelRegistry()
        if self.env_python:
            from vfr_bench.isolation.remote import RemoteAdapter

            registry.entry(self.name)  # an unknown name fails here, not in the worker
            remote = RemoteAdapter(self.name, self.env_python, self.device, self.options, self.worker_timeout)
            remote.start()
            return remote
        adapter = registry.create(self.name, device=self.device, options=self.options)
        adapter.check_available()
        return adapter
