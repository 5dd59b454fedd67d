"""`builtin:NAME`: the data sets that ship with vfr-bench, synthesised offline on first use."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from typing import Literal

from vfr_bench.data.loaders.base import Loader, LoaderSpec, register_loader
from vfr_bench.data.manifest import ManifestError
from vfr_bench.data.sample import Dataset


class BuiltinSpec(LoaderSpec):
    loader: Literal["builtin"] = "builtin"
    name: str
    languages: list[str] | None = None


def builtin_sets() -> dict[str, tuple[Callable[[list[str] | None], Dataset], Callable[[], list[dict]]]]:
    """name -> (loader given the languages to keep, its item list)."""
    from vfr_bench.data import builtin_speech, espeak_suite

    return {
        "read-speech-en": (lambda languages: builtin_speech.read_speech_en(), builtin_speech.sentences),
        "spoken-qa-en": (lambda languages: builtin_speech.spoken_qa_en(), builtin_speech.questions),
        "multilingual-espeak": (espeak_suite.multilingual_espeak, espeak_suite.items),
    }


@register_loader("builtin", summary="data sets that ship with vfr-bench (Piper and espeak-ng speech)")
class BuiltinLoader(Loader):
    Spec = BuiltinSpec

    def _set(self, spec: BuiltinSpec):
        sets = builtin_sets()
        if spec.name not in sets:
            raise ManifestError(f"unknown built-in data set {spec.name!r} (built-in: {', '.join(sets)})")
        return sets[spec.name]

    def load(self, spec: BuiltinSpec) -> Dataset:
        return self._set(spec)[0](spec.languages)

    def known_size(self, spec: BuiltinSpec) -> tuple[int | None, list[str]]:
        found = self._set(spec)[1]()
        return len(found), list(dict.fromkeys(item.get("language", "en") for item in found))

    def availability(self, spec: BuiltinSpec) -> tuple[bool, str]:
        if spec.name == "multilingual-espeak":
            if shutil.which("espeak-ng"):
                return True, "espeak-ng (synthesised on first use)"
            return False, "needs espeak-ng: apt-get install espeak-ng"
        if importlib.util.find_spec("piper") is not None:
            return True, "Piper (synthesised on first use)"
        return False, "needs Piper: pip install 'vfr-bench[builtin]'"

    def short(self, spec: BuiltinSpec) -> str:
        return f"builtin:{spec.name}"
