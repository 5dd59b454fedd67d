"""Audio the page plays, copied into the report folder (`media/`) so the page keeps working when the
folder is moved, zipped or uploaded as a CI artifact: input audio lives in a cache outside the run
directory, and a run directory may be deleted after its report is made. A format a browser cannot
play is converted to WAV; FLAC, WAV, Ogg, Opus and MP3 are copied as they are."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

PLAYABLE = frozenset({".flac", ".wav", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".webm"})
FOLDER = "media"
KINDS = ("input", "output")
COPY_NAME = re.compile(r"[0-9a-f]{10}-[A-Za-z0-9._-]+")  # the name of a copy: a digest of its source, its name


class Media:
    """Copies of audio files under `<report>/media/<kind>/`, each made once; paths relative to the report."""

    def __init__(self, report: Path):
        self.report = report
        self._made: dict[tuple[str, Path], str | None] = {}
        self.missing: list[Path] = []

    def add(self, source: Path | str | None, kind: str) -> str | None:
        """The copy's path relative to the report (URL form), or None where the file is gone or unreadable."""
        if not source:
            return None
        path = Path(source).resolve()
        key = (kind, path)
        if key not in self._made:
            self._made[key] = self._copy(path, kind)
        return self._made[key]

    def _copy(self, path: Path, kind: str) -> str | None:
        if not path.is_file():
            self.missing.append(path)
            return None
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
        playable = path.suffix.lower() in PLAYABLE
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem)[:80]  # a name a relative URL can hold as it is
        name = f"{digest}-{stem}{path.suffix.lower() if playable else '.wav'}"
        target = self.report / FOLDER / kind / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not playable:
                _to_wav(path, target)
            elif not (target.is_file() and target.stat().st_size == path.stat().st_size):
                shutil.copyfile(path, target)
        except (OSError, RuntimeError) as err:  # soundfile raises RuntimeError subclasses on bad files
            log.warning("audio %s left out of the HTML report: %s", path, err)
            self.missing.append(path)
            return None
        return target.relative_to(self.report).as_posix()


def _to_wav(source: Path, target: Path) -> None:
    import soundfile as sf

    data, rate = sf.read(str(source), always_2d=False)
    sf.write(str(target), data, rate, subtype="PCM_16")
