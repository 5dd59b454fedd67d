#!/usr/bin/env bash
# Smoke-test the Kimi-Audio adapter on three samples with real weights (needs a CUDA GPU and Kimi-Audio
# installed, usually in its own environment: `vfr-bench env create kimi-audio --torch torch==2.4.1`, then
# `pip install -e` the Kimi-Audio clone into it). Its loader runs the checkpoint's own Python files
# (trust_remote_code=True inside kimia_infer), so this script passes --trust-remote-code: read them first.
#   bash scripts/smoke_kimi_audio.sh [moonshotai/Kimi-Audio-7B-Instruct | /path/to/checkpoint] \
#        [--model-env kimi-audio=kimi-audio] [extra vfr-bench run options]
set -euo pipefail
checkpoint="${1:-moonshotai/Kimi-Audio-7B-Instruct}"; shift || true
vfr-bench run --model kimi-audio --model-arg "checkpoint=$checkpoint" --trust-remote-code --rates native \
  --tasks asr,rate-fidelity,spoken-qa --limit 3 --device cuda --out "results/smoke-kimi-audio-$(date +%Y%m%d-%H%M%S)" "$@"
