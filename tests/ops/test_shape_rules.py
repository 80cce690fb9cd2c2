"""Every record's shape/dtype rule predicts the output its kernel really produces."""

import numpy as np
import pytest

import ember
from ember.ops import OP_TABLE
from tests.ops.harness import CASE_IDS, CASES, call_ember, ember_args


@pytest.fixture
def checked_kernels(monkeypatch):
    seen = []
    for record in OP_TABLE.values():

        def forward(xp, *arrays, _record=record, _kernel=record.forward, **attrs):
            result = _kernel(xp, *arrays, **attrs)
            # A record that saves an intermediate returns (out, saved).
            out = result[0] if _record.saves is not None else result
            shape, dtype = _record.shape_rule(*[ember.Tensor(a) for a in arrays], **attrs)
            seen.append(
                (_record.name, tuple(np.shape(out)), tuple(shape), np.asarray(out).dtype, dtype.np)
            )
            return result

        monkeypatch.setattr(record, "forward", forward)
    return seen


@pytest.mark.parametrize("name, index, sample", CASES, ids=CASE_IDS)
def test_shape_rule_matches_kernel(checked_kernels, name, index, sample):
    call_ember(name, sample, ember_args(sample))
    assert checked_kernels, "the op ran no kernel"
    for op, real_shape, rule_shape, real_dtype, rule_dtype in checked_kernels:
        assert real_shape == rule_shape, f"{op}: rule says {rule_shape}, kernel gave {real_shape}"
        assert real_dtype == rule_dtype, f"{op}: rule says {rule_dtype}, kernel gave {real_dtype}"
