"""Turning a ``Sample`` into Ember and PyTorch calls, shared by the generated tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import ember
import ember.nn.functional
from ember.ops import COMPOSITES, OP_TABLE
from tests.ops.samples import SAMPLES, Sample

CASES = [(name, i, s) for name in sorted(SAMPLES) for i, s in enumerate(SAMPLES[name])]
CASE_IDS = [f"{name}-{i}-{s!r}" for name, i, s in CASES]
REGISTERED = set(OP_TABLE) | set(COMPOSITES)


def is_diff(sample: Sample, position: int, value: Any) -> bool:
    return (
        sample.grad
        and isinstance(value, np.ndarray)
        and value.dtype.kind == "f"
        and position not in sample.nondiff
    )


def ember_args(sample: Sample, dtype: Any = np.float64) -> list:
    out = []
    for i, a in enumerate(sample.args):
        if isinstance(a, np.ndarray):
            data = a.astype(dtype) if a.dtype.kind == "f" else a.copy()
            out.append(ember.Tensor(data, requires_grad=is_diff(sample, i, a)))
        else:
            out.append(a)
    return out


def torch_args(sample: Sample, dtype: Any = np.float64) -> list:
    out = []
    for i, a in enumerate(sample.args):
        if isinstance(a, np.ndarray):
            data = a.astype(dtype) if a.dtype.kind == "f" else a.copy()
            out.append(torch.tensor(data, requires_grad=is_diff(sample, i, a)))
        else:
            out.append(a)
    return out


def call_ember(name: str, sample: Sample, args: list) -> Any:
    fn = sample.ember_fn or getattr(ember, name, None) or getattr(ember.nn.functional, name)
    return fn(*args, **sample.kwargs)


def call_torch(name: str, sample: Sample, args: list) -> Any:
    fn = sample.torch_fn or getattr(torch.nn.functional, name, None) or getattr(torch, name)
    kwargs = sample.kwargs if sample.torch_kwargs is None else sample.torch_kwargs
    return fn(*args, **kwargs)


def as_list(result: Any) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, ember.Tensor):
        return value.data
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return np.asarray(value)
