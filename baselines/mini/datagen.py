"""Speech for training and evaluating the mini models, written once into the cache and resumable.

`make_speech(folder, n_train, n_valid, n_test)`: fortunes sentences (corpus.py) spoken by training
voices (train and valid splits) and by held-out voices (test split), 16 kHz FLAC plus a
`manifest.jsonl` (id, audio, text, voice, split) that `vfr-bench run --data` reads as it is.
Each sentence's voice and speed follow from its hash, so the same counts give the same data.
A killed run resumes: utterances already in the manifest are kept.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

from vfr_bench.baselines.mini import corpus
from vfr_bench.baselines.mini.voices import Synthesiser, Voice, draw_training_voice, held_out_voice

MANIFEST = "manifest.jsonl"


def plan(n_train: int, n_valid: int, n_test: int) -> list[dict]:
    """(id, text, voice, split) for each utterance to make, in a stable order."""
    by_split: dict[str, list[str]] = {"train": [], "valid": [], "test": []}
    for sentence in corpus.training_sentences():
        by_split[corpus.split_of(sentence)].append(sentence)
    wanted = {"train": n_train, "valid": n_valid, "test": n_test}
    items = []
    for split, sentences in by_split.items():
        if len(sentences) < wanted[split]:
            raise ValueError(f"{wanted[split]} {split} sentences asked for, the corpus has {len(sentences)}")
        for i, text in enumerate(sentences[: wanted[split]]):
            digest = hashlib.sha256(text.encode()).hexdigest()
            rng = random.Random(int(digest[:12], 16))
            voice = held_out_voice(i) if split == "test" else draw_training_voice(rng)
            items.append({"id": f"{split}-{digest[:12]}", "text": text, "split": split, "voice": voice})
    return items


def done_ids(folder: Path) -> set[str]:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return set()
    ids = set()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                ids.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError):
                continue  # a line cut by a kill: that utterance is made again
    return ids


def make_speech(
    folder: Path, n_train: int, n_valid: int, n_test: int, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Speak every planned utterance not yet in `folder`'s manifest; returns the manifest's path."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audio").mkdir(exist_ok=True)
    items = plan(n_train, n_valid, n_test)
    have = done_ids(folder)
    todo = [item for item in items if item["id"] not in have]
    synth = Synthesiser()
    with open(folder / MANIFEST, "a", encoding="utf-8") as manifest:
        for n, item in enumerate(todo, 1):
            voice: Voice = item["voice"]
            audio = synth.speak(voice, item["text"])
            relative = f"audio/{item['id']}.flac"
            sf.write(str(folder / relative), audio, 16000, format="FLAC")
            record = {"id": item["id"], "audio": relative, "text": item["text"], "language": "en"}
            record.update(split=item["split"], voice=voice.tag(), seconds=round(len(audio) / 16000, 3))
            manifest.write(json.dumps(record) + "\n")
            manifest.flush()
            if progress:
                progress(len(items) - len(todo) + n, len(items))
    return folder / MANIFEST


def read_manifest(path: Path, split: str | None = None) -> list[dict]:
    """The manifest's complete records (of one split), in file order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if split is None or record["split"] == split:
            out.append(record)
    return out
