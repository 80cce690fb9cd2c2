"""``python -m bench``: training-step time of Ember eager against PyTorch eager.

For each workload the two frameworks' steps run interleaved (a few steps of
one, then of the other, for several rounds), so that machine drift affects
both alike; each round's timed steps follow a quarter second of untimed ones,
while the other framework's threads stop spinning. Reported: median and
minimum ms per step, the ratio of the medians (Ember / PyTorch), the step's
FLOPs, and the fraction of this machine's measured float32 GEMM rate that each
framework reaches. JAX is reported when installed (it is not a dependency).
Results go to stdout as a Markdown table and to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch

import ember
from bench.workloads import WORKLOADS

TARGETS = {"mlp": 1.3, "lenet": 2.0, "resnet": 2.0, "lstm": 2.0, "gpt": 1.5}


def gemm_rate(n: int = 1024, repeats: int = 10) -> float:
    """The machine's float32 GEMM rate in FLOP/s (best of NumPy and PyTorch), each timed
    after the settling time that the workloads get too."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    best = float("inf")
    ta = torch.tensor(a)
    for fn in (lambda: a @ a, lambda: ta @ ta):
        _settle(fn)
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


# After the other framework's steps, its worker threads are still spinning for a while
# (OpenBLAS's under NumPy, OpenMP's under PyTorch) and slow this framework's first steps
# several-fold (PyTorch's first MLP step after Ember's: 46 ms, against 3.3 ms alone). Each
# round therefore runs untimed steps for at least this long before it times any.
SETTLE_SECONDS = 0.25


def _settle(step) -> None:
    start = time.perf_counter()
    count = 0
    while count < 2 or time.perf_counter() - start < SETTLE_SECONDS:
        step()
        count += 1


def _time_steps(step, count: int) -> list[float]:
    _settle(step)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def run(names: list[str], rounds: int, steps: int, warmup: int) -> dict:
    """Time every named workload; returns the JSON-ready result."""
    # Other processes' load moves both frameworks' times: it is recorded with them.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    # Measured before and after the workloads: on a shared machine either can come out low.
    peak = gemm_rate()
    rows = []
    for name in names:
        work = WORKLOADS[name]()
        if work.ember_params != work.torch_params:
            raise SystemExit(
                f"{name}: parameter counts differ: ember {work.ember_params}, "
                f"torch {work.torch_params}"
            )
        for _ in range(warmup):
            work.ember_step()
            work.torch_step()
        ember_ms, torch_ms = [], []
        for _ in range(rounds):
            ember_ms += _time_steps(work.ember_step, steps)
            torch_ms += _time_steps(work.torch_step, steps)
        row = {
            "workload": name,
            "description": work.description,
            "batch": work.batch,
            "params": work.ember_params,
            "gflop_per_step": work.flops / 1e9,
        }
        for label, times in (("ember", ember_ms), ("torch", torch_ms)):
            row[f"{label}_median_ms"] = statistics.median(times)
            row[f"{label}_min_ms"] = min(times)
        row["ratio"] = row["ember_median_ms"] / row["torch_median_ms"]
        row["target"] = TARGETS[name]
        rows.append(row)
    peak = max(peak, gemm_rate())
    for row in rows:
        for label in ("ember", "torch"):
            flops = row["gflop_per_step"] * 1e9
            row[f"{label}_gemm_fraction"] = flops / (row[f"{label}_median_ms"] / 1e3) / peak
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "ember": ember.__version__,
        "jax": _jax_version(),
        "gemm_gflops": peak / 1e9,
        "load_average_1min": load,
        "rows": rows,
    }


def _jax_version() -> str | None:
    try:
        import jax
    except ImportError:
        return None
    return jax.__version__


def table(result: dict) -> str:
    """The result as a Markdown table."""
    lines = [
        f"float32 GEMM peak measured: {result['gemm_gflops']:.1f} GFLOP/s; torch threads "
        f"{result['torch_threads']}; JAX: {result['jax'] or 'not installed'}; load average "
        f"before the run: {result['load_average_1min']}",
        "",
        "| workload | batch | GFLOP/step | ember ms (median/min) | torch ms (median/min) "
        "| ember/torch | target | ember % GEMM | torch % GEMM |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['workload']} | {r['batch']} | {r['gflop_per_step']:.3f} | "
            f"{r['ember_median_ms']:.2f} / {r['ember_min_ms']:.2f} | "
            f"{r['torch_median_ms']:.2f} / {r['torch_min_ms']:.2f} | {r['ratio']:.2f} | "
            f"<= {r['target']} | {100 * r['ember_gemm_fraction']:.1f} | "
            f"{100 * r['torch_gemm_fraction']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Ember vs PyTorch training-step benchmark")
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", default=os.path.join("bench", "results", "latest.json"))
    args = parser.parse_args()
    result = run(args.workloads, args.rounds, args.steps, args.warmup)
    print(table(result))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
