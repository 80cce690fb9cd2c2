"""Samples for the shape family (see ``tests/ops/samples/base.py``)."""

from tests.ops.samples.base import Sample, randn

SAMPLES: dict[str, list[Sample]] = {}

SAMPLES["reshape"] = [Sample((randn(2, 6),), ember_fn=lambda x: x.reshape(3, -1),
                             torch_fn=lambda x: x.reshape(3, -1)),
                      Sample((randn(2, 3), (6,)))]
SAMPLES["permute"] = [Sample((randn(2, 3, 4), (2, 0, 1)))]
