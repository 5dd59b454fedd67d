"""Check the flexislm adapter against a clone of AmphionTeam/FlexiSLM: what runs without CUDA.

    python scripts/upstream_contract/flexislm.py CLONE

Run it with the Python of FlexiSLM's environment (its requirements.txt, flexicodec included, and
vfr-bench). It imports the clone's inference classes the way the adapter finds them (every released
layout, newest first) and checks, against the real classes: that the adapter recognises the layout
of `generate_from_audio` (flexislm_layout.py) and that every keyword it would pass for a request at
each rate (12.5, 6.25 and 4 Hz, and threshold mode) is declared there; that the config arguments it
builds for a checkpoint folder construct the clone's own config class; that the `_encode_audio` it
wraps exists; and that the class still names the result keys the adapter reads.

Not run by this check, and why: FlexiSLM's inference class loads its model onto cuda with
FlexiCodec's encoder and decoder weights (hub downloads), so no tiny random-weight FlexiSLM is built
here. Without CUDA the check exits 3 (needs CUDA) when its part held; with CUDA it fails, saying the
tiny-model run is not written, so that a GPU run is never reported ok.
"""

from __future__ import annotations

import inspect
import sys
import tempfile

from upstream_check import Report, clone_argument, cuda_available, signature_failures

RATES = ((12.5, 12.5), (6.25, 6.25), (4.0, 4.0))
RESULT_KEYS = ("text", "audio_ids", "length_ids", "avg_input_framerate")  # what the adapter reads


def check_layout(report: Report, inference_cls) -> None:
    from vfr_bench.baselines.flexislm import framerate_arguments
    from vfr_bench.baselines.flexislm_layout import call_layout
    from vfr_bench.protocol import AdapterUnavailable

    method = inference_cls.generate_from_audio
    try:
        layout = call_layout(method)
    except AdapterUnavailable as err:  # a release whose layout the adapter does not know
        report.expect(False, str(err))
        return
    print(f"flexislm: generate_from_audio{inspect.signature(method)} -> {layout}")
    asked = [framerate_arguments(i, o, None) for i, o in RATES] + [framerate_arguments(None, 6.25, 0.9)]
    for canonical in asked:
        kwargs = layout.rate_arguments(canonical["input_framerate"], canonical["framerate"])
        names = ["audio_path", "text_query", "output_text_only", *kwargs]
        report.extend(signature_failures("generate_from_audio", method, names))
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

    try:  # every released layout, newest first, as the adapter looks for them
        config_cls, inference_cls, where = find_classes(clone)
    except AdapterUnavailable as err:
        print(f"FAIL flexislm: {err}")
        return 1
    print(f"flexislm: {where} from {clone}")
    check_layout(report, inference_cls)
    check_config(report, config_cls)
    if cuda_available():
        report.expect(False, "the tiny-model run is not written (its model loads FlexiCodec weights from the hub)")
    why = "not run: needs CUDA (its loader places the model on cuda) and FlexiCodec's weights"
    return report.finish("the adapter's layout, keywords and config", needs_cuda=why)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
