#!/usr/bin/env bash
# Check every adapter in baselines/ against its upstream code before trusting a new adapter version (or a new
# upstream release): each adapter runs against a clone of its upstream repository on a tiny random-weight model
# built from that code. Run it on a GPU machine: each check runs on the CPU what it can, and where the rest needs
# CUDA or flash-attn (flexislm, kimi-audio, mimo-audio) and there is none, that adapter is "not checked: needs CUDA"
# and the run exits 1 unless --accept-needs-cuda is given. Give each adapter the Python of its environment (its pins), e.g.
#   bash scripts/upstream_contract.sh --clone-into ~/upstream \
#     --python fun-audio-chat=$HOME/.venvs/fun-audio-chat/bin/python --accept-needs-cuda
#   bash scripts/upstream_contract.sh --clone fun-audio-chat=/path/to/Fun-Audio-Chat --only fun-audio-chat
# Options: scripts/upstream_contract.sh --help. What each check builds and asserts: docs/borders.md.
set -euo pipefail
exec "${PYTHON:-python3}" "$(dirname "$0")/upstream_contract/run.py" "$@"
