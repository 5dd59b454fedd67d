#!/usr/bin/env bash
# Smoke-test the FlexiSLM adapter on three samples with real weights (needs a GPU and FlexiSLM installed):
#   bash scripts/smoke_flexislm.sh /path/to/FlexiSLM-7B-Stage2 [extra vfr-bench run options]
set -euo pipefail
checkpoint="${1:?give the FlexiSLM checkpoint folder}"; shift
vfr-bench run --model flexislm --model-arg "checkpoint=$checkpoint" --rates 12.5,6.25,4 \
  --tasks asr,rate-fidelity,spoken-qa --limit 3 --device cuda --out "results/smoke-flexislm-$(date +%Y%m%d-%H%M%S)" "$@"
