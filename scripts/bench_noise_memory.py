"""Memory held by a babble-noise data set's specs (no audio is read): python scripts/bench_noise_memory.py [N]

Each sample's NoiseSpec names the files its babble is drawn from; they share one tuple, so the
memory grows with N, not N^2 (2,620 samples, LibriSpeech test-clean's size: 59.3 MiB before the
tuple was shared, 6.9 MiB after).
"""

import sys
import tracemalloc
from pathlib import Path

from vfr_bench.data.noise_grid import NoiseCondition, with_noise
from vfr_bench.data.sample import Dataset, Sample


def main(n: int) -> None:
    samples = tuple(Sample(f"u{i}", Path(f"/data/LibriSpeech/test-clean/{i:05d}/{i:05d}-000.flac")) for i in range(n))
    clean = Dataset("bench", "manifest:bench", "file", "sha256:0", samples)
    tracemalloc.start()
    noisy = with_noise(clean, NoiseCondition("babble", 5.0, 0))
    held, peak = tracemalloc.get_traced_memory()
    print(f"{len(noisy.samples)} samples: {held / 2**20:.1f} MiB held, {peak / 2**20:.1f} MiB peak")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2620)
