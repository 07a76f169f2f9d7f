#!/usr/bin/env bash
# Prints the OpenBLAS core type (OPENBLAS_CORETYPE) that runs a float32 GEMM fastest on this machine.
# Debian's OpenBLAS 0.3.21 predates some CPUs (AMD Zen 5 among them): its own detection can fall back
# to the SSE3 "Prescott" kernels (about 12 GFLOP/s here, against 180+ for the AVX-512 ones), which
# would make every comparison against it meaningless. So each candidate is timed on a (1024, 576) x
# (576, 1536) product, best of 10 after warm-up, and the fastest is used; the choice goes to stderr.
set -euo pipefail
THREADS="${THREADS:-2}"
best="" best_rate=0
for ct in "" Cooperlake SkylakeX Zen Haswell; do
  if [[ -n "$ct" ]]; then set_core=(OPENBLAS_CORETYPE="$ct"); else set_core=(-u OPENBLAS_CORETYPE); fi
  rate=$(env -u OPENBLAS_L2_SIZE "${set_core[@]}" OPENBLAS_NUM_THREADS="$THREADS" /usr/bin/python3 -c '
import time, numpy as np
a = np.random.rand(1024, 576).astype(np.float32); b = np.random.rand(1536, 576).astype(np.float32)
for _ in range(3): a @ b.T
best = 0.0
for _ in range(10):
    t = time.perf_counter(); a @ b.T; best = max(best, 2 * 1024 * 576 * 1536 / (time.perf_counter() - t) / 1e9)
print("%.1f" % best)')
  echo "# OpenBLAS core type ${ct:-(its own detection)}: ${rate} GFLOP/s" >&2
  if awk -v r="$rate" -v b="$best_rate" 'BEGIN { exit !(r > b) }'; then best="$ct" best_rate="$rate"; fi
done
echo "# using ${best:-its own detection}" >&2
echo "$best"
