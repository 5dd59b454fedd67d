#!/usr/bin/env bash
# Smoke-test the MiMo-Audio adapter on three samples with real weights (needs a CUDA GPU, a clone of
# XiaomiMiMo/MiMo-Audio with MiMo-Audio-7B-Instruct and MiMo-Audio-Tokenizer under its models/, and
# its pins, usually in their own environment: `vfr-bench env create mimo-audio`, then its
# requirements.txt and flash-attn==2.7.4.post1 into it):
#   bash scripts/smoke_mimo_audio.sh /path/to/MiMo-Audio [--model-env mimo-audio=mimo-audio] [extra run options]
set -euo pipefail
repo="${1:?give the MiMo-Audio clone (weights under its models/)}"; shift
vfr-bench run --model mimo-audio --model-arg "repo=$repo" --rates native \
  --tasks asr,rate-fidelity,spoken-qa,tts --limit 3 --device cuda --out "results/smoke-mimo-audio-$(date +%Y%m%d-%H%M%S)" "$@"
