"""Samples for elementwise ops (see ``tests/ops/samples/base.py``)."""

import torch

import ember
from tests.ops.samples.base import Sample, bools, distinct, ints, positive, randn, uniform

_UNARY_ANY = ["neg", "abs", "exp", "expm1", "sin", "cos", "tanh", "sigmoid", "erf", "square"]
_UNARY_POSITIVE = ["log", "log1p", "log2", "sqrt", "rsqrt", "reciprocal"]
_PIECEWISE = ["sign", "floor", "ceil", "relu"]

SAMPLES: dict[str, list[Sample]] = {}
for _name in _UNARY_ANY:
    SAMPLES[_name] = [Sample((randn(3, 4),)), Sample((randn(),))]
for _name in _UNARY_POSITIVE:
    SAMPLES[_name] = [Sample((positive(3, 4),)), Sample((ints(1, 5, 4),), grad=False)]
for _name in _PIECEWISE:
    # Values away from the kinks, where the derivative (zero or one) is defined.
    SAMPLES[_name] = [Sample((distinct(3, 4) + 0.05,))]
SAMPLES["relu"].append(Sample((ints(-3, 3, 5),), grad=False))
SAMPLES["abs"].append(Sample((ints(-3, 3, 5),), grad=False))
SAMPLES["round"] = [Sample((distinct(3, 4) + 0.05,)), Sample((randn(5) * 10,), {"decimals": 2})]

_BINARY = {
    "add": lambda: [
        Sample((randn(3, 4), randn(4))),
        Sample((randn(2, 1, 3), randn(4, 1))),
        Sample((randn(3), 2.5)),
        Sample((randn(3), randn(3)), {"alpha": 0.5}),
        Sample((ints(0, 5, 3), ints(0, 5, 3)), grad=False),
        Sample((ints(0, 5, 3), 1.5), grad=False),
    ],
    "sub": lambda: [
        Sample((randn(3, 4), randn(3, 1))),
        Sample((1.5, randn(3))),
        Sample((randn(3), randn(3)), {"alpha": 2}),
    ],
    "mul": lambda: [
        Sample((randn(3, 4), randn(4))),
        Sample((randn(2, 3), 3)),
        Sample((bools(4), ints(0, 9, 4)), grad=False),
    ],
    "div": lambda: [
        Sample((randn(3, 4), positive(4))),
        Sample((ints(-9, 9, 5), 2), grad=False),
        Sample((randn(5), positive(5)), {"rounding_mode": "floor"}, gradgrad=False),
        Sample((ints(-9, 9, 6), ints(1, 4, 6)), {"rounding_mode": "trunc"}, grad=False),
        Sample((ints(-9, 9, 6), -3), {"rounding_mode": "floor"}, grad=False),
        Sample((randn(5) * 4, -positive(5)), {"rounding_mode": "trunc"}, grad=False),
    ],
    "floor_divide": lambda: [
        Sample((ints(-9, 9, 6), ints(1, 4, 6)), grad=False),
        Sample((randn(5) * 4, positive(5)), grad=False),
    ],
    "remainder": lambda: [
        Sample((uniform(0.1, 0.9, 3, 4) + ints(-3, 3, 3, 4), positive(4))),
        Sample((ints(-9, 9, 6), 4), grad=False),
    ],
    "pow": lambda: [
        Sample((positive(3, 4), randn(4))),
        Sample((randn(3), 2)),
        Sample((2.0, randn(3))),
        Sample((ints(0, 4, 4), 2), grad=False),
    ],
    "maximum": lambda: [Sample((randn(3, 4), randn(4)))],
    "minimum": lambda: [Sample((randn(3, 4), randn(3, 1)))],
    "atan2": lambda: [Sample((randn(3, 4), randn(4)))],
}
for _name, _make in _BINARY.items():
    SAMPLES[_name] = _make()

for _name in ["eq", "ne", "lt", "le", "gt", "ge"]:
    SAMPLES[_name] = [
        Sample((ints(0, 3, 3, 4).astype(float), ints(0, 3, 4).astype(float)), grad=False),
        Sample((ints(0, 3, 5), 1), grad=False),
    ]
for _name in ["logical_and", "logical_or", "logical_xor"]:
    SAMPLES[_name] = [Sample((bools(3, 4), bools(4)), grad=False)]
for _name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
    SAMPLES[_name] = [
        Sample((ints(0, 16, 3, 4), ints(0, 16, 4)), grad=False),
        Sample((bools(5), bools(5)), grad=False),
    ]
SAMPLES["bitwise_not"] = [Sample((ints(0, 16, 5),), grad=False), Sample((bools(4),), grad=False)]
SAMPLES["logical_not"] = [Sample((bools(3, 4),), grad=False)]
_special = randn(6)
_special[[1, 4]] = [float("nan"), float("inf")]
for _name in ["isnan", "isinf", "isfinite"]:
    SAMPLES[_name] = [Sample((_special,), grad=False)]

SAMPLES["where"] = [Sample((bools(3, 4), randn(3, 4), randn(4))), Sample((bools(3), randn(3), 0.0))]
SAMPLES["clamp"] = [
    Sample((distinct(3, 4),), {"min": -0.5, "max": 0.5}),
    Sample((distinct(5),), {"min": -0.2}),
    Sample((ints(-5, 5, 6),), {"max": 2}, grad=False),
    Sample((distinct(3, 4), distinct(4) * 0.1 - 0.3, distinct(4) * 0.1 + 0.3)),
]
_ = (ember, torch)


def _relu_backward(g, out):
    return ember.ops.apply(ember.ops.OP_TABLE["relu_backward"], g, out)


# relu's adjoint against PyTorch's threshold_backward at 0. Its gradient in the output is
# zero almost everywhere (None in Ember, zeros in PyTorch): the output is held constant.
SAMPLES["relu_backward"] = [
    Sample(
        (randn(3, 4), distinct(3, 4) + 0.05),
        ember_fn=_relu_backward,
        torch_fn=lambda g, out: torch.ops.aten.threshold_backward(g, out, 0),
        nondiff=(1,),
    ),
]
