"""Every differentiable op, every sample: VJPs (and VJPs of VJPs) match finite differences."""

import pytest

from ember.testing import gradcheck, gradgradcheck
from tests.ops.harness import CASE_IDS, CASES, call_ember, ember_args

GRAD = [
    (c, i) for c, i in zip(CASES, CASE_IDS, strict=True) if c[2].grad and c[2].finite_differences
]
GRADGRAD = [(c, i) for c, i in GRAD if c[2].gradgrad]


def _fn(name, sample):
    return lambda *args: call_ember(name, sample, list(args))


@pytest.mark.parametrize("name, index, sample", [c for c, _ in GRAD], ids=[i for _, i in GRAD])
def test_gradcheck(name, index, sample):
    assert gradcheck(_fn(name, sample), ember_args(sample))


@pytest.mark.parametrize(
    "name, index, sample", [c for c, _ in GRADGRAD], ids=[i for _, i in GRADGRAD]
)
def test_gradgradcheck(name, index, sample):
    assert gradgradcheck(_fn(name, sample), ember_args(sample))
