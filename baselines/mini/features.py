"""Whisper encoder outputs of the training speech, computed once and shared by every training run.

Training utterances are packed (1 to 3 consecutive ones, with short pauses, at most 28 s) into 30 s
windows, so one encoder pass serves several sentences and the decoder also learns long windows;
validation utterances stay alone, as evaluation speech is. Each window is encoded by the same
CTranslate2 encoder, compute type and compact padding (encoding.py) the mini models run with; its
valid frames are pooled to the 25 Hz base and kept in float16. Shards of windows are written as they finish, so a
killed run resumes.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
MAX_WINDOW_SECONDS = 28.0
SHARD_WINDOWS = 128


@dataclass
class Window:
    ids: list[str]
    text: str
    audio: np.ndarray


@dataclass
class Encoded:
    """Windows' pooled encoder frames, concatenated: window i is frames[offsets[i]:offsets[i + 1]]."""

    frames: np.ndarray  # [total, d] float16, 25 Hz
    offsets: np.ndarray  # [n + 1]
    texts: list[str]

    def window(self, i: int) -> np.ndarray:
        return self.frames[self.offsets[i] : self.offsets[i + 1]]

    def __len__(self) -> int:
        return len(self.texts)


def pack(records: list[dict], seed: int, max_per_window: int) -> list[list[dict]]:
    """Consecutive utterances grouped 1..max_per_window at a time (at most 28 s of speech).

    Greedy and drawn record by record, so the groups of a manifest's first records do not change
    as more records are appended (the encoder can follow the speech while it is being made)."""
    rng = random.Random(seed)
    groups: list[list[dict]] = []
    for record in records:
        last = groups[-1] if groups else None
        if (
            last is not None
            and len(last) < rng.randint(1, max_per_window)
            and sum(r["seconds"] + 0.6 for r in last) + record["seconds"] <= MAX_WINDOW_SECONDS
        ):
            last.append(record)
        else:
            groups.append([record])
    return groups


def load_window(group: list[dict], folder: Path, rng: random.Random) -> Window:
    import soundfile as sf

    pieces = []
    for i, record in enumerate(group):
        audio, rate = sf.read(str(folder / record["audio"]), dtype="float32")
        if rate != SAMPLE_RATE:
            raise ValueError(f"{record['audio']}: {rate} Hz, expected {SAMPLE_RATE}")
        if i:
            pieces.append(np.zeros(int(rng.uniform(0.2, 0.6) * SAMPLE_RATE), np.float32))
        pieces.append(audio)
    audio = np.concatenate(pieces)[: 30 * SAMPLE_RATE]
    return Window([r["id"] for r in group], " ".join(r["text"] for r in group), audio)


def encode_windows(whisper, windows: list[Window]) -> list[np.ndarray]:
    """The pooled 25 Hz valid frames of each window (float16), encoded as the mini models encode."""
    from vfr_bench.baselines.mini.encoding import encode_compact

    out = []
    for w in windows:
        (encoded,) = encode_compact(whisper, w.audio)
        out.append(encoded.base.astype(np.float16))
    return out


def encode_split(
    whisper,
    manifest: Path,
    split: str,
    out: Path,
    seed: int = 0,
    batch: int = 8,
    complete: bool = True,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Encode one split of the speech manifest into shards under `out`, skipping shards already there.

    With `complete=False` the manifest is still growing: only shards followed by further windows
    are encoded (their groups can no longer change). `limit`: the split's first records only (the
    speech is made in a stable order, so fewer utterances are a prefix of more).
    Returns the number of shards written now."""
    from vfr_bench.baselines.mini.datagen import read_manifest

    records = read_manifest(manifest, split)[:limit]
    groups = pack(records, seed, 3 if split == "train" else 1)
    out.mkdir(parents=True, exist_ok=True)
    n_shards = len(groups) // SHARD_WINDOWS if not complete else math.ceil(len(groups) / SHARD_WINDOWS)
    if not complete and len(groups) % SHARD_WINDOWS == 0:
        n_shards -= 1  # the last group may still grow
    written = 0
    for s in range(max(n_shards, 0)):
        shard = out / f"{split}-{s:04d}.npz"
        if shard.is_file():
            continue
        part = groups[s * SHARD_WINDOWS : (s + 1) * SHARD_WINDOWS]
        windows = [load_window(g, manifest.parent, random.Random(f"{seed}-{g[0]['id']}")) for g in part]
        frames: list[np.ndarray] = []
        for start in range(0, len(windows), batch):
            frames.extend(encode_windows(whisper, windows[start : start + batch]))
            if progress:
                progress(s * SHARD_WINDOWS + len(frames), len(groups))
        tmp = out / f".{split}-{s:04d}.tmp.npz"
        np.savez(tmp, frames=np.concatenate(frames), lengths=np.array([len(f) for f in frames]))
        (out / f"{split}-{s:04d}.json").write_text(json.dumps([{"ids": w.ids, "text": w.text} for w in windows]))
        tmp.rename(shard)
        written += 1
    return written


def load_encoded(folder: Path, split: str) -> Encoded:
    frames: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    texts: list[str] = []
    for shard in sorted(folder.glob(f"{split}-*.npz")):
        data = np.load(shard)
        frames.append(data["frames"])
        lengths.append(data["lengths"])
        texts.extend(item["text"] for item in json.loads(shard.with_suffix(".json").read_text()))
    if not frames:
        raise FileNotFoundError(f"no encoded {split!r} windows in {folder}")
    all_lengths = np.concatenate(lengths)
    offsets = np.concatenate([[0], np.cumsum(all_lengths)])
    return Encoded(np.concatenate(frames), offsets, texts)
