"""The benchmark's workloads are the same model in both frameworks, and the suite runs.

Timings are never asserted here; only that both sides build identical models that take
identical first steps, and that a minimal run reports every column.
"""

import numpy as np
import pytest

from bench import __main__ as suite
from bench.workloads import WORKLOADS


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_both_frameworks_take_the_same_first_step(name):
    work = WORKLOADS[name]()
    assert work.ember_params == work.torch_params > 0
    assert work.flops > 0
    ours, theirs = float(work.ember_step().item()), float(work.torch_step().item())
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)
    # The second step starts from parameters each optimizer has updated.
    ours, theirs = float(work.ember_step().item()), float(work.torch_step().item())
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_a_minimal_run_reports_every_column():
    result = suite.run(["mlp"], rounds=1, steps=1, warmup=0)
    (row,) = result["rows"]
    for key in ("ember_median_ms", "torch_min_ms", "ratio", "target", "ember_gemm_fraction"):
        assert row[key] > 0
    assert result["gemm_gflops"] > 0
    lines = suite.table(result).splitlines()
    assert lines[-1].startswith("| mlp | 128 |")
