#!/usr/bin/env bash
# Smoke-test the Fun-Audio-Chat adapter on three samples with real weights (needs a GPU with about 24 GB,
# a clone of FunAudioLLM/Fun-Audio-Chat made with --recurse-submodules, Fun-Audio-Chat-8B and
# Fun-CosyVoice3-0.5B-2512 under its pretrained_models/, and its pins, usually in their own environment:
# `vfr-bench env create fun-audio-chat --torch torch==2.8.0`, then its requirements.txt into it):
#   bash scripts/smoke_fun_audio_chat.sh /path/to/Fun-Audio-Chat [--model-env fun-audio-chat=fun-audio-chat] [extra run options]
set -euo pipefail
repo="${1:?give the Fun-Audio-Chat clone (weights under its pretrained_models/)}"; shift
vfr-bench run --model fun-audio-chat --model-arg "repo=$repo" --rates native \
  --tasks asr,rate-fidelity,spoken-qa --limit 3 --device cuda --out "results/smoke-fun-audio-chat-$(date +%Y%m%d-%H%M%S)" "$@"
