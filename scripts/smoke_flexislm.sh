#!/usr/bin/env bash
# Smoke-test the FlexiSLM adapter on three samples with real weights (needs a GPU, a clone of
# AmphionTeam/FlexiSLM with its requirements.txt installed, and a checkpoint: a folder such as
# REPO/models/FlexiSLM-7B-Stage2, or a release name such as stage2_7B that its config downloads):
#   bash scripts/smoke_flexislm.sh /path/to/FlexiSLM [CHECKPOINT] [--model-env flexislm=ENV] [extra run options]
set -euo pipefail
repo="${1:?give the FlexiSLM clone}"; shift
checkpoint="${1:-stage2_7B}"; shift || true
vfr-bench run --model flexislm --model-arg "repo=$repo" --model-arg "checkpoint=$checkpoint" --rates 12.5,6.25,4 \
  --tasks asr,rate-fidelity,spoken-qa --limit 3 --device cuda --out "results/smoke-flexislm-$(date +%Y%m%d-%H%M%S)" "$@"
