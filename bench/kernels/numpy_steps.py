"""The same preprocessing as bench_fused, one numpy step at a time (float32,
as a numpy user would write it), timed the same way. Prints key=value."""
import sys
import time

import numpy as np

T = int(sys.argv[1]) if len(sys.argv) > 1 else 4800
V = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
rng = np.random.default_rng(0)
x = (100 + 10 * rng.standard_normal((T, V), dtype=np.float32)).astype(np.float32)
run = np.arange(T) * 12 // T
keep = np.arange(V) % 3 != 0

best = 1e30
for _ in range(repeats):
    t0 = time.perf_counter()
    z = np.empty_like(x)
    for r in range(12):
        rows = run == r
        block = x[rows]
        z[rows] = (block - block.mean(axis=0)) / block.std(axis=0)
    zm = z[:, keep]
    y = np.zeros_like(zm)
    y[1:] = zm[:-1]
    best = min(best, time.perf_counter() - t0)
print(f"numpy_s={best:.3f}")
