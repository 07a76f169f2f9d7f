#!/usr/bin/env bash
# Runs `tailor bench train` and the PyTorch reference (bench/torch_train.py) on the same model
# shape, method, batch and sequence length, and prints tokens/s of each and their ratio.
#   bench/compare_train.sh [--preset smollm2-135m] [--method lora|full] [--batch 4] [--seq 256]
#                          [--steps 3] [--rounds 2] [--torch-configs "2:PASSIVE 2:ACTIVE 1:PASSIVE"]
# PyTorch is run in each thread setting of --torch-configs ("threads:OMP_WAIT_POLICY"; the
# OpenBLAS pool gets the same thread count) and compared at its best. The machine may be shared:
# the two sides alternate within each round so both see the same background load, and each
# setting's figure is the median over rounds of its per-run median step time.
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
  for cfg in $TORCH_CONFIGS; do
    threads="${cfg%%:*}" policy="${cfg##*:}"
    env -u OPENBLAS_L2_SIZE "${CORE[@]}" OMP_WAIT_POLICY="$policy" OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      /usr/bin/python3 "$ROOT/bench/torch_train.py" "${SHAPE[@]}" --threads "$threads" | sed "s/^/torch:$cfg /" >> "$TMP/runs"
  done
done

/usr/bin/python3 - "$TMP/runs" "$PRESET $METHOD batch $BATCH x $SEQ" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    who, _, js = line.partition(" ")
    runs.setdefault(who, []).append(json.loads(js)["step_s"])
tokens = {who: float(sys.argv[2].split()[3]) * float(sys.argv[2].split()[5]) / statistics.median(s) for who, s in runs.items()}
print("tokens/s, median over rounds:", sys.argv[2])
for who, tps in tokens.items():
    print("  %-20s %9.1f   (step s per round: %s)" % (who, tps, ", ".join("%.2f" % s for s in runs[who])))
best = max((w for w in tokens if w != "tailor"), key=tokens.get)
print("tailor / best torch (%s): %.2fx" % (best, tokens["tailor"] / tokens[best]))
PY
