"""Per-op overhead on tiny tensors: Ember eager vs NumPy vs PyTorch, in one process.

Each case is timed in interleaved rounds (Ember, NumPy, PyTorch, Ember, ...)
so machine drift affects all three alike; the table reports medians over
rounds of the per-call time in microseconds, and the JSON goes to
``bench/results/overhead.json``.

Run: ``make bench`` or ``python -m bench.overhead``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

import ember

try:
    import torch
except ImportError:  # PyTorch is optional for users; the table then omits it.
    torch = None

CASES = ["add", "mul", "matmul", "sum"]


def _setup(requires_grad: bool) -> dict[str, dict[str, Callable[[], object]]]:
    a = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    ex = ember.tensor(a, requires_grad=requires_grad)
    ey = ember.tensor(b, requires_grad=requires_grad)
    fns = {
        "ember": {
            "add": lambda: ex + ey,
            "mul": lambda: ex * ey,
            "matmul": lambda: ex @ ey,
            "sum": lambda: ex.sum(),
        },
        "numpy": {
            "add": lambda: a + b,
            "mul": lambda: a * b,
            "matmul": lambda: a @ b,
            "sum": lambda: a.sum(),
        },
    }
    if torch is not None:
        tx = torch.tensor(a, requires_grad=requires_grad)
        ty = torch.tensor(b, requires_grad=requires_grad)
        fns["torch"] = {
            "add": lambda: tx + ty,
            "mul": lambda: tx * ty,
            "matmul": lambda: tx @ ty,
            "sum": lambda: tx.sum(),
        }
    return fns


def _time_per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def run(rounds: int = 15, calls: int = 2000) -> list[dict]:
    """Median microseconds per call for every case, framework and grad setting."""
    rows = []
    for requires_grad in (False, True):
        fns = _setup(requires_grad)
        for case in CASES:
            samples: dict[str, list[float]] = {name: [] for name in fns}
            for name in fns:
                _time_per_call(fns[name][case], calls // 10)  # warm-up
            for _ in range(rounds):
                for name in fns:
                    samples[name].append(_time_per_call(fns[name][case], calls))
            row = {"op": case, "requires_grad": requires_grad}
            row.update({f"{name}_us": statistics.median(v) for name, v in samples.items()})
            if "torch_us" in row:
                row["ember_over_torch"] = row["ember_us"] / row["torch_us"]
            rows.append(row)
    return rows


def _table(rows: list[dict]) -> str:
    has_torch = "torch_us" in rows[0]
    head = "| op | requires_grad | ember us | numpy us |" + (
        " torch us | ember/torch |" if has_torch else ""
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        line = f"| {r['op']} | {r['requires_grad']} | {r['ember_us']:.2f} | {r['numpy_us']:.2f} |"
        if has_torch:
            line += f" {r['torch_us']:.2f} | {r['ember_over_torch']:.2f} |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--out", default=os.path.join("bench", "results", "overhead.json"))
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    rows = run(args.rounds, args.calls)
    print(_table(rows))
    result = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": getattr(torch, "__version__", None),
        "ember": ember.__version__,
        "rows": rows,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, args.out)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
