"""Check the flexislm adapter against a clone of AmphionTeam/FlexiSLM: what runs without CUDA.

    python scripts/upstream_contract/flexislm.py CLONE

Run it with the Python of FlexiSLM's environment (its requirements.txt, flexicodec included, and
vfr-bench). It checks in two ways, both of which must hold:

- from the source, without importing it (source_layout.py): the inference file of the first layout
  the adapter knows (src/inference_flexislm.py, or flexislm/ in the first release) is parsed, and its
  declared `generate_from_audio`, `__init__`, config fields, result keys and `_encode_audio` are
  checked as below. This part needs nothing of FlexiSLM's environment;
- imported, as the adapter imports it (every released layout, newest first): the same against the
  real classes, and the adapter's config arguments for a checkpoint folder construct the clone's own
  config class with flexible frame rates on. A clone that does not import in this Python (a missing
  dependency, a file its module executes by path) fails the check, naming the error.

What is checked of `generate_from_audio`: the adapter recognises its layout (flexislm_layout.py) and
every keyword it would pass for a request at each rate (12.5, 6.25 and 4 Hz, and threshold mode) is
declared there; the class still names the result keys the adapter reads.

Not run by this check, and why: FlexiSLM's inference class loads its model onto cuda with
FlexiCodec's encoder and decoder weights (hub downloads), so no tiny random-weight FlexiSLM is built
here. Without CUDA the check exits 3 (needs CUDA) when its part held; with CUDA it fails, saying the
tiny-model run is not written, so that a GPU run is never reported ok.
"""

from __future__ import annotations

import inspect
import sys
import tempfile
from pathlib import Path

from source_layout import SourceClass, bound, read_classes, stand_in
from upstream_check import Report, clone_argument, cuda_available, signature_failures

# This file is named flexislm.py and Python puts its folder first on sys.path: out of it, so that
# `import flexislm` finds the first release's package in the clone, not this check.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

RATES = ((12.5, 12.5), (6.25, 6.25), (4.0, 4.0))
RESULT_KEYS = ("text", "audio_ids", "length_ids", "avg_input_framerate")  # what the adapter reads


def check_call(report: Report, method, where: str) -> None:
    """generate_from_audio (the real method, or one read from source): a layout the adapter knows, and
    every keyword the adapter passes at each rate declared."""
    from vfr_bench.baselines.flexislm import framerate_arguments
    from vfr_bench.baselines.flexislm_layout import call_layout
    from vfr_bench.protocol import AdapterUnavailable

    try:
        layout = call_layout(method)
    except AdapterUnavailable as err:  # a release whose layout the adapter does not know
        report.expect(False, f"{where}: {err}")
        return
    print(f"flexislm ({where}): generate_from_audio{inspect.signature(method)} -> {layout}")
    asked = [framerate_arguments(i, o, None) for i, o in RATES] + [framerate_arguments(None, 6.25, 0.9)]
    for canonical in asked:
        kwargs = layout.rate_arguments(canonical["input_framerate"], canonical["framerate"])
        names = ["audio_path", "text_query", "output_text_only", *kwargs]
        report.extend(f"{where}: {f}" for f in signature_failures("generate_from_audio", method, names))


def check_source(report: Report, clone: Path) -> None:
    """The first layout's inference file, parsed, not imported: its declared interface."""
    from vfr_bench.baselines.flexislm import CLASS_VERSIONS

    for module, config_name, inference_name in CLASS_VERSIONS:
        path = clone / (module.replace(".", "/") + ".py")
        if not path.is_file():
            continue
        try:
            classes = read_classes(path)
        except (OSError, SyntaxError, UnicodeDecodeError) as err:
            report.expect(False, f"{path} cannot be parsed: {err}")
            return
        if config_name in classes and inference_name in classes:
            print(f"flexislm: {module}.{inference_name} read from {path} (source, not imported)")
            check_source_classes(report, classes[config_name], classes[inference_name])
            return
    report.expect(False, "no inference file of the clone declares the classes the adapter imports")


def check_source_classes(report: Report, config: SourceClass, inference: SourceClass) -> None:
    from vfr_bench.baselines.flexislm import config_arguments
    from vfr_bench.protocol import AdapterUnavailable

    where = "source"
    method = inference.methods.get("generate_from_audio")
    report.expect(method is not None, f"{where}: {inference.name} defines no generate_from_audio")
    if method is not None:
        check_call(report, stand_in("generate_from_audio", bound(method)), where)
    for key in RESULT_KEYS:
        report.expect(key in inference.strings, f"{where}: {inference.name} never names the result key {key!r}")
    report.expect("_encode_audio" in inference.methods, f"{where}: no _encode_audio, which the adapter wraps")
    init = inference.methods.get("__init__")
    if init is not None:
        report.extend(
            f"{where}: {f}"
            for f in signature_failures(inference.name, stand_in("__init__", bound(init)), ["config", "device"])
        )
    init_config = config.methods.get("__init__")
    fields = set(config.fields) if config.is_dataclass or init_config is None else set(bound(init_config).parameters)
    with tempfile.TemporaryDirectory() as folder:
        try:
            kwargs = config_arguments(fields, folder, {})
        except AdapterUnavailable as err:
            report.expect(False, f"{where}: {err}")
            return
    print(f"flexislm (source): {config.name} declares {', '.join(kwargs)}")


def check_layout(report: Report, inference_cls) -> None:
    check_call(report, inference_cls.generate_from_audio, "imported")
    source = inspect.getsource(inference_cls)  # its result dict may be built by a helper method
    for key in RESULT_KEYS:
        report.expect(f'"{key}"' in source or f"'{key}'" in source, f"{inference_cls.__name__} never returns {key!r}")
    report.expect(callable(getattr(inference_cls, "_encode_audio", None)), "no _encode_audio, which the adapter wraps")
    report.extend(signature_failures(inference_cls.__name__, inference_cls, ["config", "device"]))


def check_config(report: Report, config_cls) -> None:
    """The adapter's config arguments for a checkpoint folder build the clone's config class."""
    from vfr_bench.baselines.flexislm import config_arguments, config_fields

    with tempfile.TemporaryDirectory() as folder:
        kwargs = config_arguments(config_fields(config_cls), folder, {})
        if "auto_download" in kwargs:  # the adapter lets it fetch missing weights; a contract check fetches none
            kwargs["auto_download"] = False
        try:
            config = config_cls(**kwargs)
        except TypeError as err:
            report.expect(False, f"{config_cls.__name__}(**{kwargs}) refused: {err}")
            return
    print(f"flexislm: {config_cls.__name__}({', '.join(kwargs)}) built")
    report.expect(getattr(config, "enable_flexible_framerate", None) is True, "flexible frame rates are not on")


def main(argv: list[str]) -> int:
    clone = clone_argument(argv, __doc__, "README.md")
    report = Report("flexislm")
    from vfr_bench.baselines.flexislm import find_classes
    from vfr_bench.protocol import AdapterUnavailable

    check_source(report, clone)
    try:  # every released layout, newest first, as the adapter looks for them
        config_cls, inference_cls, where = find_classes(clone)
    except AdapterUnavailable as err:
        report.expect(False, f"the clone does not import in this Python, so only its source was checked: {err}")
        return report.finish("the adapter's layout, keywords and config")
    print(f"flexislm: {where} from {clone}")
    check_layout(report, inference_cls)
    check_config(report, config_cls)
    if cuda_available():
        report.expect(False, "the tiny-model run is not written (its model loads FlexiCodec weights from the hub)")
    why = "not run: needs CUDA (its loader places the model on cuda) and FlexiCodec's weights"
    return report.finish("the adapter's layout, keywords and config", needs_cuda=why)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
