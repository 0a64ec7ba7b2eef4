#!/usr/bin/env bash
# The GPU proof, one command on a CUDA machine (nothing downloaded: models are built from config):
#   bash bench/gpu_proof.sh [RESULTS_DIR]
# 1. QLoRA int4 and int8, bf16, Liger (when installed) and padding-free packing train a few steps of llm-sft;
# 2. DeepSpeed ZeRO-2, ZeRO-3 and FSDP on one GPU train, checkpoint and save a loadable model;
# 3. bench/memory_estimate.py --gpu: the estimate against torch.cuda.max_memory_allocated (target within 15%);
# 4. bench/gpu_lora.py: LoRA tokens/s against plain TRL (goal >= 1.3x with padding-free and Liger).
# Each step's output goes to RESULTS_DIR/<step>.log; a summary line per step to RESULTS_DIR/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${1:-${OUT:-gpu-proof}}"
mkdir -p "$OUT_DIR"
WORK="$(mktemp -d)"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python - <<'PY' > "$OUT_DIR/gpu.txt" 2>&1
import torch
print(torch.cuda.get_device_name(0), torch.cuda.get_device_properties(0).total_memory / 1e9, "GB")
PY
step() {  # step NAME TIMEOUT COMMAND...
  local name="$1" limit="$2"; shift 2
  local start=$SECONDS
  timeout "$limit" "$@" > "$OUT_DIR/$name.log" 2>&1
  local code=$?
  echo "$name: exit $code in $((SECONDS - start)) s" | tee -a "$OUT_DIR/summary.txt"
}
python -m tunewidgets demo make "$WORK/demo" > "$OUT_DIR/demo.log" 2>&1
CONFIG="$WORK/sft.yml"
cat > "$CONFIG" <<YML
task: llm-sft
base_model: $WORK/demo/tiny-llama
project_name: proof
data: {path: $WORK/demo/data/sft-text, train_split: train, column_mapping: {text_column: text}}
params: {max_steps: 6, batch_size: 4, block_size: 128, model_max_length: 256, logging_steps: 1, save_strategy: steps,
         save_steps: 3, mixed_precision: bf16}
YML
T="python -m tunewidgets train $CONFIG --workdir $WORK/runs --overwrite --quiet"
step qlora-int4 300 $T --set params.peft=true --set params.quantization=int4
step qlora-int8 300 $T --set params.peft=true --set params.quantization=int8
step lora-bf16-packing 300 $T --set params.peft=true --set params.packing=true
step full-bf16 300 $T
if python -c "import liger_kernel" 2>/dev/null; then
  step liger 300 $T --set params.peft=true --set params.use_liger_kernel=true
else
  echo "liger: not installed (pip install liger-kernel)" | tee -a "$OUT_DIR/summary.txt"
fi
step deepspeed-zero2 600 $T --set params.distributed_backend=deepspeed --set params.deepspeed_stage=2
step deepspeed-zero3 600 $T --set params.distributed_backend=deepspeed --set params.deepspeed_stage=3
step fsdp 600 $T --set params.distributed_backend=fsdp
step memory-estimate 1200 python bench/memory_estimate.py --gpu --work "$WORK/memory"
step gpu-lora 1800 python bench/gpu_lora.py --size 0.5b --work "$WORK/lora"
echo "results in $OUT_DIR"
