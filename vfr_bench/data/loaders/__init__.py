"""Data loaders, one file each (see base.py): builtin, manifest, huggingface, librispeech, fleurs."""

from vfr_bench.data.loaders.base import (
    LOADERS,
    Loader,
    LoaderSpec,
    availability,
    describe_spec,
    known_size,
    load_dataset,
    parse_data_spec,
    register_loader,
    short_spec,
)

__all__ = [
    "LOADERS", "Loader", "LoaderSpec", "availability", "describe_spec", "known_size", "load_dataset",
    "parse_data_spec", "register_loader", "short_spec",
]  # fmt: skip
