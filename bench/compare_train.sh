#!/usr/bin/env bash
# Runs `tailor bench train` and the PyTorch reference (bench/torch_train.py) on the same model
# shape, method, batch and sequence length, and prints tokens/s of each and their ratio.
#   bench/compare_train.sh [--preset smollm2-135m] [--method lora|full] [--batch 4] [--seq 256]
#                          [--steps 3] [--rounds 2] [--torch-configs "2:PASSIVE 2:ACTIVE 1:PASSIVE"]
# PyTorch is run in each thread setting of --torch-configs ("threads:OMP_WAIT_POLICY"; the
# OpenBLAS pool gets the same thread count) and compared at its best. The machine may be shared:
# the two sides alternate within each round so both see the same background load, and each
# setting's figure is the median over rounds of its per-run median step time. For the SmolLM2-135M
# shape at 1024 tokens a step, each round also times OpenBLAS on the step's GEMM shapes
# (bench/openblas_gemm.py) and reports Tailor's achieved matmul rate over OpenBLAS's best rate of
# that round: the model FLOP utilisation against OpenBLAS, with both measured minutes apart.
# Needs Debian's torch and OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread (torch 1.13, CPU;
# without libopenblas0-pthread, torch's "generic" BLAS resolves to the reference BLAS, ~2 GFLOP/s).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRESET=smollm2-135m METHOD=lora BATCH=4 SEQ=256 STEPS=3 ROUNDS=2
TORCH_CONFIGS="2:PASSIVE 2:ACTIVE 1:PASSIVE"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2 ;;
    --method) METHOD="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --seq) SEQ="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --torch-configs) TORCH_CONFIGS="$2"; shift 2 ;;
    *) echo "usage: $0 [--preset P] [--method lora|full] [--batch B] [--seq T] [--steps N] [--rounds R] [--torch-configs \"2:PASSIVE ...\"]" >&2; exit 2 ;;
  esac
done
# OpenBLAS at its best: the fastest core type measured on this machine (bench/blas_coretype.sh);
# its own detection may pick SSE3 kernels on CPUs newer than the library.
CORETYPE="${OPENBLAS_CORETYPE_BEST-$("$ROOT/bench/blas_coretype.sh")}"
if [[ -n "$CORETYPE" ]]; then CORE=(OPENBLAS_CORETYPE="$CORETYPE"); else CORE=(-u OPENBLAS_CORETYPE); fi
echo "# OpenBLAS core type: ${CORETYPE:-its own detection}" >&2
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
SHAPE=(--preset "$PRESET" --method "$METHOD" --batch "$BATCH" --seq "$SEQ" --steps "$STEPS")

for ((r = 0; r < ROUNDS; r++)); do
  echo "# round $((r + 1))/$ROUNDS, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$ROOT/tailor" bench train "${SHAPE[@]}" --engine-gflops 0 --json | grep '^{' | sed 's/^/tailor /' >> "$TMP/runs"
  if [[ "$PRESET" == smollm2-135m && $((BATCH * SEQ)) == 1024 ]]; then # openblas_gemm.py's shapes are this step's
    env -u OPENBLAS_L2_SIZE "${CORE[@]}" OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$ROOT/bench/openblas_gemm.py" --iters 3 --threads 2 \
      2>/dev/null | grep '"f32"' | sed 's/^/openblas /' >> "$TMP/runs"
  fi
  for cfg in $TORCH_CONFIGS; do
    threads="${cfg%%:*}" policy="${cfg##*:}"
    env -u OPENBLAS_L2_SIZE "${CORE[@]}" OMP_WAIT_POLICY="$policy" OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      /usr/bin/python3 "$ROOT/bench/torch_train.py" "${SHAPE[@]}" --threads "$threads" | sed "s/^/torch:$cfg /" >> "$TMP/runs"
  done
done

/usr/bin/python3 - "$TMP/runs" "$PRESET $METHOD batch $BATCH x $SEQ" <<'PY'
import json, statistics, sys
runs, achieved, blas = {}, [], []
for line in open(sys.argv[1]):
    who, _, js = line.partition(" ")
    r = json.loads(js)
    if who == "openblas":  # f32 cases of one round: that round's best rate is the last entry's max
        if len(blas) < len(achieved): blas.append(0.0)
        blas[-1] = max(blas[-1], r["gflops"])
        continue
    runs.setdefault(who, []).append(r["step_s"])
    if who == "tailor": achieved.append(r["achieved_gflops"])
tokens = {who: float(sys.argv[2].split()[3]) * float(sys.argv[2].split()[5]) / statistics.median(s) for who, s in runs.items()}
print("tokens/s, median over rounds:", sys.argv[2])
for who, tps in tokens.items():
    print("  %-20s %9.1f   (step s per round: %s)" % (who, tps, ", ".join("%.2f" % s for s in runs[who])))
best = max((w for w in tokens if w != "tailor"), key=tokens.get)
print("tailor / best torch (%s): %.2fx" % (best, tokens["tailor"] / tokens[best]))
if blas:
    mfu = [a / b for a, b in zip(achieved, blas)]
    print("MFU against OpenBLAS, per round: " + ", ".join("%.1f%% (%.1f of %.1f GFLOP/s)" % (100 * m, a, b)
          for m, a, b in zip(mfu, achieved, blas)) + "; median %.1f%%" % (100 * statistics.median(mfu)))
PY
