"""A JSONL data manifest (docs/design.md "Data manifest"): `data: PATH` or `--data PATH`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vfr_bench.data.loaders.base import Loader, LoaderSpec, register_loader
from vfr_bench.data.manifest import load_manifest
from vfr_bench.data.sample import Dataset


class ManifestSpec(LoaderSpec):
    loader: Literal["manifest"] = "manifest"
    path: str


@register_loader("manifest", summary="a JSONL manifest of your own: id, audio, text/question/answers, language")
class ManifestLoader(Loader):
    Spec = ManifestSpec

    def load(self, spec: ManifestSpec) -> Dataset:
        return load_manifest(Path(spec.path))

    def availability(self, spec: ManifestSpec) -> tuple[bool, str]:
        return Path(spec.path).is_file(), f"manifest {spec.path}"

    def short(self, spec: ManifestSpec) -> str:
        return spec.path
