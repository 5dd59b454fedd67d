"""FLEURS (google/fleurs): one hub config per language, joined into one data set."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from vfr_bench.data.loaders.base import Loader, LoaderSpec, register_loader
from vfr_bench.data.loaders.huggingface import hub_availability, load_huggingface
from vfr_bench.data.manifest import content_hash
from vfr_bench.data.sample import Dataset, Sample

FLEURS_LANGUAGE = {
    "de_de": "de", "es_419": "es", "it_it": "it", "en_us": "en", "fr_fr": "fr", "pt_br": "pt", "nl_nl": "nl",
    "pl_pl": "pl", "ru_ru": "ru", "tr_tr": "tr", "cmn_hans_cn": "zh", "ja_jp": "ja", "ko_kr": "ko", "hi_in": "hi",
    "ar_eg": "ar", "sv_se": "sv", "fi_fi": "fi", "cs_cz": "cs",
}  # fmt: skip


class FleursSpec(LoaderSpec):
    loader: Literal["fleurs"] = "fleurs"
    languages: list[str]
    split: str = "test"
    path: str | None = None  # a folder of save_to_disk copies, one sub-folder per language config


@register_loader("fleurs", summary="FLEURS read speech, one hub config per language")
class FleursLoader(Loader):
    Spec = FleursSpec

    def load(self, spec: FleursSpec) -> Dataset:
        parts: list[Sample] = []
        for config in spec.languages:
            lang = FLEURS_LANGUAGE.get(config, config.split("_")[0])
            part = load_huggingface(
                name="google/fleurs", config=config, split=spec.split, language=lang,
                path=str(Path(spec.path) / config) if spec.path else None,
                fields={"id": "id", "audio": "audio", "text": "transcription"},
            )  # fmt: skip
            parts.extend(replace(s, id=f"{config}/{s.id}", language=lang) for s in part.samples)
        return Dataset(
            name="fleurs", source="huggingface:google/fleurs", revision=spec.split, content_hash=content_hash(parts),
            samples=tuple(parts), provenance={"languages": spec.languages},
        )  # fmt: skip

    def known_size(self, spec: FleursSpec) -> tuple[int | None, list[str]]:
        return None, list(spec.languages)

    def availability(self, spec: FleursSpec) -> tuple[bool, str]:
        return hub_availability(spec.path)
