"""Sample inputs for every op in the table, one module per op family.

``SAMPLES[name]`` lists the ``Sample``s of the op (record or composite) called
``name``. The generated tests in ``tests/ops`` run every sample through the
forward/backward oracle (PyTorch), gradcheck, gradgradcheck and the shape rule.
"""

from tests.ops.samples import (
    activation,
    activations,
    conv,
    core,
    elementwise,
    index,
    linalg,
    losses,
    nn,
    normalization,
    pool,
    recurrent,
    reduce,
    resample,
    shape,
)
from tests.ops.samples.base import Sample

SAMPLES: dict[str, list[Sample]] = {}
_FAMILIES = (
    activation,
    activations,
    conv,
    core,
    elementwise,
    index,
    linalg,
    losses,
    nn,
    normalization,
    pool,
    recurrent,
    reduce,
    resample,
    shape,
)
for _family in _FAMILIES:
    for _name, _samples in _family.SAMPLES.items():
        if _name in SAMPLES:
            raise ValueError(f"samples for {_name!r} are defined twice")
        SAMPLES[_name] = _samples

__all__ = ["SAMPLES", "Sample"]
