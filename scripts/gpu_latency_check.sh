#!/usr/bin/env bash
# The latency lab's GPU check (issue 8): Qwen2.5-7B thinkers of flexislm-7b and qwen2.5-omni-7b in bf16,
# 25/12.5/6.25/5/4 Hz, 10 s of input and output speech, 5 repeats; then the whole flexislm-7b (thinker +
# talker) and the other architectures at their native rates, as time allows.
# Run from the repository root on a CUDA machine with torch and transformers:  bash scripts/gpu_latency_check.sh OUT_DIR
set -uo pipefail
out="${1:-results/gpu-latency-check}"
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
lab() { python3 -c 'from vfr_bench.cli import main; main()' latency --device cuda --dtype bf16 "$@"; }
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' | tee -a "$out/gpu.txt"
lab --arch flexislm-7b-thinker --arch qwen2.5-omni-7b-thinker --rates 25,12.5,6.25,5,4 \
    --input-seconds 10 --output-seconds 10 --repeats 5 --warmup 2 --out "$out/thinkers" 2>&1 | tee "$out/thinkers.log"
lab --arch flexislm-7b --rates 12.5,6.25,5,4 --repeats 3 --warmup 1 --out "$out/flexislm-7b" 2>&1 | tee "$out/flexislm.log"
for arch in qwen2.5-omni-7b kimi-audio-7b mimo-audio-7b fun-audio-chat-8b; do
  lab --arch "$arch" --rates native --repeats 3 --warmup 1 --out "$out/$arch" 2>&1 | tee "$out/$arch.log"
done
