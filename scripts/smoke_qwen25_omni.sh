#!/usr/bin/env bash
# Smoke-test the Qwen2.5-Omni adapter on three samples with real weights (needs a GPU; downloads the
# checkpoint unless a local folder is given):
#   bash scripts/smoke_qwen25_omni.sh [Qwen/Qwen2.5-Omni-7B | /path/to/checkpoint] [extra vfr-bench run options]
set -euo pipefail
checkpoint="${1:-Qwen/Qwen2.5-Omni-7B}"; shift || true
vfr-bench run --model qwen2.5-omni --model-arg "checkpoint=$checkpoint" --rates native \
  --tasks asr,rate-fidelity,spoken-qa --limit 3 --device cuda --out "results/smoke-qwen25-omni-$(date +%Y%m%d-%H%M%S)" "$@"
