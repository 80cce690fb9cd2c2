"""Samples for fused recurrent cells (see ``tests/ops/samples/base.py``)."""

from tests.ops.samples.base import Sample

SAMPLES: dict[str, list[Sample]] = {}
