"""Data sources named by tasks (YAML `data:`) and `--data`, and the noise grid a suite may add.

`data:` is a string (`builtin:NAME` or a manifest path) or a mapping with a `loader`:

    data: {loader: huggingface, name: openslr/librispeech_asr, config: clean, split: test,
           fields: {id: id, audio: audio, text: text}}      # or path: a Dataset.save_to_disk folder
    data: {loader: librispeech, path: $LIBRISPEECH_ROOT/test-clean}
    data: {loader: fleurs, languages: [de_de, es_419, it_it, en_us], split: test}
    data: {loader: builtin, name: multilingual-espeak, languages: [de, es]}
    data: {loader: manifest, path: my/data.jsonl}

`noise:` (a task key, or `--noise` on the command line) mixes every sample with each noise kind
at each SNR: {kinds: [white, pink, babble], snr_db: [20, 10, 5, 0], seed: 0, folder: DIR}.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from vfr_bench.data.manifest import ManifestError, content_hash, load_manifest
from vfr_bench.data.sample import Dataset

FLEURS_LANGUAGE = {
    "de_de": "de",
    "es_419": "es",
    "it_it": "it",
    "en_us": "en",
    "fr_fr": "fr",
    "pt_br": "pt",
    "nl_nl": "nl",
    "pl_pl": "pl",
    "ru_ru": "ru",
    "tr_tr": "tr",
    "cmn_hans_cn": "zh",
    "ja_jp": "ja",
    "ko_kr": "ko",
    "hi_in": "hi",
    "ar_eg": "ar",
    "sv_se": "sv",
    "fi_fi": "fi",
    "cs_cz": "cs",
}


def _builtin_sets() -> dict[str, tuple[Callable[[list[str] | None], Dataset], Callable[[], list[dict]]]]:
    """Built-in data sets: name -> (loader given the languages to keep, its item list)."""
    from vfr_bench.data import builtin_speech, espeak_suite

    return {
        "read-speech-en": (lambda languages: builtin_speech.read_speech_en(), builtin_speech.sentences),
        "spoken-qa-en": (lambda languages: builtin_speech.spoken_qa_en(), builtin_speech.questions),
        "multilingual-espeak": (espeak_suite.multilingual_espeak, espeak_suite.items),
    }


def _builtin(name: str, languages: list[str] | None = None) -> Dataset:
    sets = _builtin_sets()
    if name not in sets:
        raise ManifestError(f"unknown built-in data set {name!r} (built-in: {', '.join(sets)})")
    return sets[name][0](languages)


def known_size(spec: str | dict[str, Any]) -> tuple[int | None, list[str]]:
    """Samples and languages of a data spec where known without loading or synthesising it."""
    sets = _builtin_sets()
    name = spec[len("builtin:") :] if isinstance(spec, str) and spec.startswith("builtin:") else None
    if name in sets:
        found = sets[name][1]()
        return len(found), list(dict.fromkeys(item.get("language", "en") for item in found))
    if isinstance(spec, dict) and spec.get("loader") == "fleurs":
        return None, list(spec.get("languages", []))
    return None, ["en"]


def _fleurs(languages: list[str], split: str = "test", path: str | None = None) -> Dataset:
    """FLEURS per language config (google/fleurs), one data set with each sample's language set."""
    from vfr_bench.data.huggingface import load_huggingface

    parts = []
    for config in languages:
        lang = FLEURS_LANGUAGE.get(config, config.split("_")[0])
        part = load_huggingface(
            name="google/fleurs",
            config=config,
            split=split,
            path=str(Path(path) / config) if path else None,
            language=lang,
            fields={"id": "id", "audio": "audio", "text": "transcription"},
        )
        parts.extend(replace(s, id=f"{config}/{s.id}", language=lang) for s in part.samples)
    return Dataset(
        name="fleurs",
        source="huggingface:google/fleurs",
        revision=split,
        content_hash=content_hash(parts),
        samples=tuple(parts),
        provenance={"languages": languages},
    )


def load_dataset(spec: str | dict[str, Any]) -> Dataset:
    """A data set from a data spec (see the module docstring)."""
    if isinstance(spec, dict):
        spec = dict(spec)
        loader = spec.pop("loader", None)
        if loader == "builtin":
            return _builtin(spec["name"], spec.get("languages"))
        if loader == "manifest":
            return load_manifest(Path(spec["path"]))
        if loader == "huggingface":
            from vfr_bench.data.huggingface import load_huggingface

            return load_huggingface(**spec)
        if loader == "librispeech":
            from vfr_bench.data.librispeech import load_librispeech

            return load_librispeech(spec["path"], spec.get("name"))
        if loader == "fleurs":
            return _fleurs(spec["languages"], spec.get("split", "test"), spec.get("path"))
        raise ManifestError(f"unknown data loader {loader!r} (builtin, manifest, huggingface, librispeech, fleurs)")
    if spec.startswith("builtin:"):
        return _builtin(spec.split(":", 1)[1])
    path = spec.split(":", 1)[1] if spec.startswith("manifest:") else spec
    return load_manifest(Path(path))


def describe_spec(spec: str | dict[str, Any]) -> str:
    """A data spec as one stable string (cache keys, manifests)."""
    return spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)


def short_spec(spec: str | dict[str, Any]) -> str:
    """A data spec as a person reads it: loader:name/config:split, or the path."""
    if isinstance(spec, str):
        return spec
    where = spec.get("name") or spec.get("path") or ",".join(spec.get("languages", []))
    config = f"/{spec['config']}" if spec.get("config") else ""
    split = f":{spec['split']}" if spec.get("split") else ""
    return f"{spec.get('loader')}:{where}{config}{split}"


def availability(spec: str | dict[str, Any]) -> tuple[bool, str]:
    """Whether the data can be had on this machine, without downloading anything to find out."""
    import importlib.util
    import os
    import shutil

    loader = (
        spec.get("loader") if isinstance(spec, dict) else ("builtin" if spec.startswith("builtin:") else "manifest")
    )
    name = spec.get("name") if isinstance(spec, dict) else spec.split(":", 1)[-1]
    if loader == "builtin":
        if name == "multilingual-espeak":
            return (
                (True, "espeak-ng (synthesised on first use)")
                if shutil.which("espeak-ng")
                else (False, "needs espeak-ng: apt-get install espeak-ng")
            )
        ok = importlib.util.find_spec("piper") is not None
        return (ok, "Piper (synthesised on first use)" if ok else "needs Piper: pip install 'vfr-bench[reference]'")
    if loader == "manifest":
        path = spec["path"] if isinstance(spec, dict) else spec
        return (Path(path).is_file(), f"manifest {path}")
    if loader == "librispeech":
        from vfr_bench.data.librispeech import ENV

        root = os.path.expandvars(spec["path"])
        return (Path(root).is_dir(), f"folder {root}" if "$" not in root else f"set {ENV}")
    if loader in ("huggingface", "fleurs"):
        if spec.get("path"):
            return (Path(spec["path"]).expanduser().exists(), f"local copy {spec['path']}")
        if importlib.util.find_spec("datasets") is None:
            return False, "needs pip install 'vfr-bench[data]' and the hub"
        return False, "needs the Hugging Face hub (or its local cache with HF_DATASETS_OFFLINE=1)"
    return False, f"unknown loader {loader}"


def with_noise(dataset: Dataset, condition: dict[str, Any]) -> Dataset:
    """Every sample mixed with one noise condition {kind, snr_db, seed, folder}; the condition joins the hash.

    Babble for a sample is made from the other utterances of the same data set."""
    import hashlib

    from vfr_bench.data.noise import KINDS, NoiseSpec, folder_sources

    kind, snr = condition["kind"], float(condition["snr_db"])
    if kind not in KINDS:
        raise ManifestError(f"noise kind {kind!r} is not one of {list(KINDS)}")
    if kind == "folder" and not condition.get("folder"):
        raise ManifestError("noise kind 'folder' needs a folder (e.g. MUSAN's noise folder): --noise-folder DIR")
    if kind == "folder":
        sources = folder_sources(condition["folder"])
    elif kind == "babble":  # one tuple for all samples; each leaves its own file out when mixing
        sources = tuple(str(o.audio) for o in dataset.samples if o.audio is not None)
    else:
        sources = ()
    samples = []
    for s in dataset.samples:
        own = str(s.audio) if kind == "babble" and s.audio is not None else None
        spec = NoiseSpec(kind, snr, int(condition.get("seed", 0)), sources, exclude=own)
        samples.append(replace(s, noise=spec, extra={**s.extra, "noise_kind": kind, "snr_db": snr}))
    digest = dataset.content_hash + "|" + json.dumps(condition, sort_keys=True)
    return Dataset(
        name=f"{dataset.name}@{kind}@{snr:g}dB",
        source=dataset.source,
        revision=dataset.revision,
        content_hash="sha256:" + hashlib.sha256(digest.encode()).hexdigest(),
        samples=tuple(samples),
        provenance={**dataset.provenance, "noise": condition},
    )


def noise_conditions(grid: dict[str, Any]) -> list[dict[str, Any]]:
    """A grid {kinds, snr_db, seed, folder} as single conditions, in grid order."""
    kinds = grid.get("kinds") or ["white"]
    snrs = grid.get("snr_db") or [20, 10, 5, 0]
    return [
        {
            "kind": k,
            "snr_db": float(x),
            "seed": int(grid.get("seed", 0)),
            **({"folder": grid["folder"]} if grid.get("folder") and k == "folder" else {}),
        }
        for k in kinds
        for x in snrs
    ]


def parse_noise_option(text: str, folder: str | None = None, seed: int = 0) -> dict[str, Any]:
    """`white,pink,babble@20,10,5,0` (kinds @ SNRs in dB) -> a noise grid."""
    kinds, _, snrs = text.partition("@")
    try:
        grid = {
            "kinds": [k.strip() for k in kinds.split(",") if k.strip()],
            "snr_db": [float(x) for x in snrs.split(",")] if snrs else [20, 10, 5, 0],
            "seed": seed,
        }
    except ValueError:
        raise ManifestError(f"--noise {text!r}: write KINDS@SNRS, e.g. white,babble@20,10,5,0") from None
    if folder:
        grid["folder"] = folder
    return grid
