#!/usr/bin/python3
"""Reference GFLOP/s of a native BLAS (numpy over Debian's OpenBLAS) on the shapes and forms of
`tailor bench gemm`, printed as the same JSON lines.

Run with Debian's interpreter (/usr/bin/python3, where apt's python3-numpy lives), two threads,
and with the fastest OPENBLAS_CORETYPE for this CPU (bench/blas_coretype.sh; OpenBLAS 0.3.21 may
fall back to SSE3 kernels on CPUs newer than itself), e.g. OPENBLAS_CORETYPE=SkylakeX:
    env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/openblas_gemm.py

Forms, (M, K, N) = (tokens, in, out):  xwT  Y(M,N) = X(M,K) . W(N,K)^T
                                        dyw  dX(M,K) = dY(M,N) . W(N,K)
                                        dytx dW(N,K) = dY(M,N)^T . X(M,K)
BLAS has no bfloat16 GEMM, so the bf16 rows time what a float32 BLAS has to do with a bf16 weight:
widen the whole weight to float32 (bits << 16), then multiply. dytx has no weight operand and is
reported for f32 only, as the engine does. Each case: warm-up calls, then the best of --iters.
"""
import argparse
import json
import sys
import time

import numpy as np

SHAPES = [(1024, 576, 576), (1024, 576, 192), (1024, 576, 1536), (1024, 1536, 576), (1024, 576, 49152)]


def best_seconds(call, warmup, iters):
    for _ in range(warmup):
        call()
    best = float("inf")
    for _ in range(iters):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def widen_bf16(w16):
    return (w16.astype(np.uint32) << 16).view(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(args.threads)
        for info in threadpool_info():
            print("# BLAS: %s %s, %s kernels, %d threads" % (info.get("internal_api"), info.get("version"),
                  info.get("architecture"), info.get("num_threads")), file=sys.stderr)
    except ImportError:
        print("# threadpoolctl missing: set OPENBLAS_NUM_THREADS=%d yourself" % args.threads, file=sys.stderr)
    rng = np.random.default_rng(42)
    for m, k, n in SHAPES:
        x = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        dy = rng.uniform(-1, 1, (m, n)).astype(np.float32)
        w = rng.uniform(-1, 1, (n, k)).astype(np.float32)
        w16 = (w.view(np.uint32) >> 16).astype(np.uint16)  # truncated to bf16: the values do not matter for speed
        y, dx, dw = np.empty((m, n), np.float32), np.empty((m, k), np.float32), np.empty((n, k), np.float32)
        cases = [
            ("xwT", "f32", lambda: np.matmul(x, w.T, out=y)),
            ("xwT", "bf16", lambda: np.matmul(x, widen_bf16(w16).T, out=y)),
            ("dyw", "f32", lambda: np.matmul(dy, w, out=dx)),
            ("dyw", "bf16", lambda: np.matmul(dy, widen_bf16(w16), out=dx)),
            ("dytx", "f32", lambda: np.matmul(dy.T, x, out=dw)),
        ]
        for form, dtype, call in cases:
            s = best_seconds(call, args.warmup, args.iters)
            print(json.dumps({"shape": [m, k, n], "form": form, "dtype": dtype,
                              "gflops": round(2.0 * m * k * n / s * 1e-9, 2)}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
