#!/usr/bin/env bash
# The device call that trained the shipped NLI model (verification/training/README.md):
# run on a GPU machine from the repository root, with .gpu/ (the fp16 base model and
# the prebuilt pool) and .whl/ (engine wheels the GPU image lacks) carried along.
# Writes the sweep summary, logs and the exported model (in 15 MB parts) to $OUT.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="$PWD:/tmp/site" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 \
  SMARTNOTES_BASE_MODEL="$PWD/.gpu/base" TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu --format=csv
python3 -m verification.training.gpu_sweep --pool .gpu/pool-v2.jsonl.gz \
  --out /tmp/sweep --export /tmp/model --budget-min "${BUDGET_MIN:-5.5}" 2>&1 | tee "$OUT/sweep.log"
cp /tmp/sweep/sweep.json "$OUT/" 2>/dev/null
for f in /tmp/sweep/*.log; do echo "== $f"; grep -v "Loading weights\|Writing model" "$f" | tail -n 40; done > "$OUT/runs.log"
if [ -f /tmp/model/model.safetensors ]; then
  cp /tmp/model/calibration.json "$OUT/"
  (cd /tmp/model && sha256sum model.safetensors > "$OUT/model.sha256" && split -b 15M model.safetensors "$OUT/model.part.")
fi
ls -la "$OUT"
