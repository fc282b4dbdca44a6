"""The scipy peer of bench/assignment.ts: times scipy.optimize.linear_sum_assignment on the same matrices.

Usage: python3 bench/scipy_lsa.py <manifest.json>
The manifest lists {"instance", "rows", "cols", "file", "repeats", "sparse"}; each file holds rows*cols float64
(row-major, little-endian, inf = forbidden). Only the solve is timed (best of `repeats`), never the loading. For
instances marked sparse, scipy's sparse solver (min_weight_full_bipartite_matching, LAPJVsp) is timed as well, on a
CSR matrix built outside the timing. Prints one JSON object: {"scipy": version, "results": [...]}.
"""

import json
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment


def best_of(repeats, solve):
    best = float("inf")
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = solve()
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best, result


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    results = []
    for item in manifest:
        costs = np.fromfile(item["file"], dtype="<f8").reshape(item["rows"], item["cols"])
        ms, (row, col) = best_of(item["repeats"], lambda: linear_sum_assignment(costs))
        results.append({"name": "scipy", "instance": item["instance"], "ms": ms, "cost": float(costs[row, col].sum())})
        if item.get("sparse"):
            from scipy.sparse import csr_matrix
            from scipy.sparse.csgraph import min_weight_full_bipartite_matching

            finite = np.isfinite(costs)
            i, j = np.nonzero(finite)
            graph = csr_matrix((costs[i, j], (i, j)), shape=costs.shape)
            ms, (row, col) = best_of(item["repeats"], lambda: min_weight_full_bipartite_matching(graph))
            results.append(
                {"name": "scipy-sparse", "instance": item["instance"], "ms": ms, "cost": float(costs[row, col].sum())}
            )
        del costs
    print(json.dumps({"scipy": scipy.__version__, "results": results}))


if __name__ == "__main__":
    main()
