#!/usr/bin/env bash
# The latency lab's backends on a GPU (issue 16), in the order its targets need them:
#   phase 1: the FlexiSLM-7B thinker, eager vs compiled (and vllm where installed) at 12.5 and 6.25 Hz,
#            5 repeats; the whole FlexiSLM-7B compiled; a profile of one request per backend
#   phase 2: the batch sweep (1, 4, 16, 64) compiled; the other architectures at their native rates compiled
# Each step has its own time limit, so a phase ends inside one device call (phase 1 about 7 minutes on an
# H200, phase 2 about 8, most of it compilation, which the inductor cache shares between same-shape stacks).
#   bash scripts/gpu_latency_backends.sh OUT_DIR [1|2|all]
# A CPU rehearsal of the same steps on two-layer copies: DEVICE=cpu bash scripts/gpu_latency_backends.sh OUT
set -uo pipefail
out="${1:-results/gpu-latency-backends}"
phase="${2:-all}"
device="${DEVICE:-cuda}"
if [ "$device" = cpu ]; then tiny=-tiny dtype=fp32 secs=2; else tiny= dtype=bf16 secs=10; fi
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TORCHINDUCTOR_FX_GRAPH_CACHE=1
lab() {  # lab LIMIT_S NAME ARGS...: one `vfr-bench latency`, logged, stopped at its limit
  local limit=$1 name=$2; shift 2
  timeout "$limit" python3 -c 'from vfr_bench.cli import main; main()' latency --device "$device" --dtype "$dtype" \
    --input-seconds "$secs" --output-seconds "$secs" "$@" --out "$out/$name" > "$out/$name.log" 2>&1
  echo "$name: exit $? after ${SECONDS}s in all"; tail -n 12 "$out/$name.log"
}
thinker_backends=eager,compiled
python3 -c 'import vllm' 2>/dev/null && [ "$device" != cpu ] && thinker_backends=eager,compiled,vllm
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || true
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
  echo "backends for thinkers: $thinker_backends"; } | tee "$out/versions.txt"

if [ "$phase" = 1 ] || [ "$phase" = all ]; then
  lab 240 thinker --arch "flexislm-7b-thinker$tiny" --rates 12.5,6.25 --backend "$thinker_backends" --repeats 5 --warmup 2
  lab 150 flexislm-7b --arch "flexislm-7b$tiny" --rates 12.5,6.25 --backend compiled --repeats 3 --warmup 1
  timeout 90 python3 scripts/profile_latency_step.py --arch "flexislm-7b-thinker$tiny" --device "$device" \
    --dtype "$dtype" --input-seconds "$secs" --output-seconds "$secs" > "$out/profile.txt" 2>&1
  echo "profile: exit $?"; grep -E "^==|^loop|^device busy" "$out/profile.txt"
fi
if [ "$phase" = 2 ] || [ "$phase" = all ]; then
  lab 200 batch-sweep --arch "flexislm-7b-thinker$tiny" --rates 12.5,6.25 --backend compiled \
    --batch-sizes 1,4,16,64 --repeats 3 --warmup 1
  for arch in qwen2.5-omni-7b kimi-audio-7b mimo-audio-7b fun-audio-chat-8b; do
    lab 75 "$arch" --arch "$arch$tiny" --rates native --backend compiled --repeats 3 --warmup 1
  done
fi
