#!/usr/bin/env bash
# Runs `tailor bench gemm` and the OpenBLAS reference on the same shapes, one after the other on
# the same machine, and prints engine GFLOP/s, OpenBLAS GFLOP/s and their ratio per case.
#   bench/compare_gemm.sh [--iters N] [--rounds R]
# The machine may be shared: each side runs R rounds, alternating engine and OpenBLAS so both see
# the same background load, and each case keeps its best round.
# Needs Debian's numpy + OpenBLAS: apt-get install -y python3-numpy libopenblas0-pthread
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ITERS=5
ROUNDS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iters) ITERS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--iters N] [--rounds R]" >&2; exit 2 ;;
  esac
done
THREADS="${THREADS:-2}"
# OpenBLAS at its best: the fastest core type measured on this machine (bench/blas_coretype.sh);
# its own detection may pick SSE3 kernels on CPUs newer than the library.
CORETYPE="${OPENBLAS_CORETYPE_BEST-$("$ROOT/bench/blas_coretype.sh")}"
if [[ -n "$CORETYPE" ]]; then CORE=(OPENBLAS_CORETYPE="$CORETYPE"); else CORE=(-u OPENBLAS_CORETYPE); fi
echo "# OpenBLAS core type: ${CORETYPE:-its own detection}" >&2
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

for ((r = 0; r < ROUNDS; r++)); do
  "$ROOT/tailor" bench gemm --json --iters "$ITERS" >> "$TMP/engine.jsonl"
  # OpenBLAS with the core type chosen above; a preset L2 size would skew its blocking.
  env -u OPENBLAS_L2_SIZE "${CORE[@]}" OPENBLAS_NUM_THREADS="$THREADS" \
    /usr/bin/python3 "$ROOT/bench/openblas_gemm.py" --iters "$ITERS" --threads "$THREADS" >> "$TMP/openblas.jsonl"
done

/usr/bin/python3 - "$TMP/engine.jsonl" "$TMP/openblas.jsonl" <<'PY'
import json, sys
def load(path):
    rows = {}
    for line in open(path):
        if line.startswith("{"):
            r = json.loads(line)
            key = (tuple(r["shape"]), r["form"], r["dtype"])
            rows[key] = max(rows.get(key, 0.0), r["gflops"])
    return rows
eng, ref = load(sys.argv[1]), load(sys.argv[2])
print("GFLOP/s, best of all rounds; bf16 OpenBLAS = widen the weight to float32, then sgemm")
print("%-18s %-5s %-5s %10s %10s %7s" % ("shape (M,K,N)", "form", "dtype", "engine", "openblas", "ratio"))
for key, g in eng.items():
    shape, form, dtype = key
    r = ref.get(key)
    print("%-18s %-5s %-5s %10.1f %10s %7s" % ("(%d,%d,%d)" % shape, form, dtype, g,
          "%.1f" % r if r else "-", "%.2f" % (g / r) if r else "-"))
PY
