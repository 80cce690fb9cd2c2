"""``Model.summary()``: a table of the layers with shapes, parameters, FLOPs and memory.

With an example input (or its shape), one forward pass runs under ``no_grad``
in evaluation mode, with forward hooks recording each module's output; without
one, only the parameters are listed (as Keras does for a model not yet built).

FLOPs count one multiply and one add as two operations, per sample (the
batch does not change them): ``Linear`` ``2 * in * out`` per output position,
convolutions ``2 * (C_in / groups) * prod(kernel) * C_out * prod(out spatial)``,
pooling one per window element, activations and normalizations one per
output element, recurrent layers and attention their matrix products; other
layers count 0. Memory is the bytes of each module's outputs for the batch
given, which is what training keeps alive for the backward pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy

from ember.autograd import no_grad
from ember.nn import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    Bilinear,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Linear,
    MaxPool1d,
    MaxPool2d,
    Module,
    MultiheadAttention,
    RNNBase,
)
from ember.nn.layers import activation, normalization
from ember.tensor import Tensor

__all__ = ["summarize"]

_CONV = (Conv1d, Conv2d, Conv3d)
_CONV_TRANSPOSE = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
_POOL = (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d)
_ADAPTIVE_POOL = (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d)
_ELEMENTWISE_MODULES = (activation.__name__, normalization.__name__)
_GATES = {"LSTM": 4, "GRU": 3}


def _tensors(value: Any) -> list[Tensor]:
    """The tensors in a (nested) output, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _flops(module: Module, inputs: tuple, output: Any, batch: int) -> int:
    """The FLOPs of one call of ``module``, per sample."""
    outputs = _tensors(output)
    out = outputs[0] if outputs else None
    first = inputs[0] if inputs and isinstance(inputs[0], Tensor) else None
    if out is None:
        return 0
    per_sample = out.numel() // max(batch, 1)
    if isinstance(module, Linear):
        return 2 * module.in_features * per_sample
    if isinstance(module, Bilinear):
        return 2 * module.in1_features * module.in2_features * per_sample
    if isinstance(module, _CONV):
        kernel = math.prod(module.kernel_size)
        return 2 * (module.in_channels // module.groups) * kernel * per_sample
    if isinstance(module, _CONV_TRANSPOSE) and first is not None:
        kernel = math.prod(module.kernel_size)
        per_input = first.numel() // max(batch, 1)
        return 2 * (module.out_channels // module.groups) * kernel * per_input
    if isinstance(module, _POOL):
        size = module.kernel_size
        kernel = math.prod(size) if isinstance(size, tuple) else size ** (out.ndim - 2)
        return kernel * per_sample
    if isinstance(module, _ADAPTIVE_POOL) and first is not None:
        return first.numel() // max(batch, 1)
    if isinstance(module, RNNBase) and first is not None:
        return _rnn_flops(module, first)
    if isinstance(module, MultiheadAttention) and len(inputs) >= 2:
        return _attention_flops(module, inputs[0], inputs[1])
    if type(module).__module__ in _ELEMENTWISE_MODULES:
        return per_sample
    return 0


def _rnn_flops(module: RNNBase, first: Tensor) -> int:
    # Each step of each layer and direction multiplies [input, hidden] by the gate weights.
    steps = first.shape[1 if module.batch_first else 0] if first.ndim == 3 else first.shape[0]
    gates = _GATES.get(module.mode, 1)
    directions = 2 if module.bidirectional else 1
    total, width = 0, module.input_size
    for _ in range(module.num_layers):
        total += 2 * gates * module.hidden_size * (width + module.hidden_size) * directions
        width = module.hidden_size * directions
    return total * steps


def _attention_flops(module: MultiheadAttention, query: Tensor, key: Tensor) -> int:
    seq_dim = 1 if module.batch_first and query.ndim == 3 else 0
    targets, sources = query.shape[seq_dim], key.shape[seq_dim]
    embed = module.embed_dim
    projections = 2 * embed * (embed * targets + (module.kdim + module.vdim) * sources)
    scores_and_mix = 4 * targets * sources * embed
    return projections + scores_and_mix + 2 * embed * embed * targets


class _Row:
    __slots__ = ("calls", "depth", "flops", "memory", "module", "name", "shape")

    def __init__(self, name: str, module: Module, depth: int) -> None:
        self.name, self.module, self.depth = name, module, depth
        self.shape: str | None = None
        self.flops = 0
        self.memory = 0
        self.calls = 0


def _shape_text(output: Any) -> str:
    shapes = [list(t.shape) for t in _tensors(output)]
    if not shapes:
        return "--"
    return ", ".join(str(s) for s in shapes)


def _record(rows: dict[int, _Row], example: tuple, network: Module) -> None:
    """Run ``network`` on ``example`` with hooks filling the rows."""
    batch = example[0].shape[0] if example and example[0].ndim else 1

    def hook(module: Module, inputs: tuple, output: Any) -> None:
        row = rows.get(id(module))
        if row is None:
            return
        if row.shape is None:
            row.shape = _shape_text(output)
        row.flops += _flops(module, inputs, output, batch)
        row.memory += sum(t.numel() * t.element_size() for t in _tensors(output))
        row.calls += 1

    handles = [row.module.register_forward_hook(hook) for row in rows.values()]
    was_training = network.training
    network.eval()
    try:
        with no_grad():
            network(*example)
    finally:
        network.train(was_training)
        for handle in handles:
            handle.remove()


def _human(value: float, unit: str = "") -> str:
    for prefix in ("", "K", "M", "G", "T"):
        if abs(value) < 1000 or prefix == "T":
            return f"{value:.3g} {prefix}{unit}".rstrip() if prefix or unit else f"{value:.3g}"
        value /= 1000
    return str(value)


def _bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{count} B"


def example_inputs(input_size: Any, dtype: Any = None) -> tuple[Tensor, ...] | None:
    """An example input from a shape (batch included), a list of shapes, or tensors/arrays.

    >>> [t.shape for t in example_inputs((2, 3))]
    [(2, 3)]
    """
    if input_size is None:
        return None
    if isinstance(input_size, Tensor):
        return (input_size,)
    if isinstance(input_size, numpy.ndarray):
        return (Tensor(input_size),)
    if isinstance(input_size, (tuple, list)) and all(isinstance(n, int) for n in input_size):
        return (Tensor(numpy.zeros(input_size, dtype=dtype or numpy.float32)),)
    if isinstance(input_size, Iterable):
        return tuple(t for item in input_size for t in example_inputs(item, dtype) or ())
    raise TypeError(
        "summary: input_size must be a shape such as (1, 784) (batch included), a list of "
        f"shapes, or example tensors; got {type(input_size).__name__}"
    )


def summarize(network: Module, example: tuple[Tensor, ...] | None, title: str) -> str:
    """The summary table of ``network``, after a forward pass on ``example`` if given."""
    rows: dict[int, _Row] = {}
    for name, module in network.named_modules():
        depth = name.count(".") + 1 if name else 0
        rows[id(module)] = _Row(name.rpartition(".")[2] if name else title, module, depth)
    if example is not None:
        _record(rows, example, network)
    header = ["Layer (type)", "Output Shape", "Param #"]
    if example is not None:
        header += ["FLOPs", "Memory"]
    table = []
    for row in rows.values():
        own = sum(p.numel() for p in row.module.parameters(recurse=False))
        kind = type(row.module).__name__
        label = "  " * row.depth + (f"{row.name} ({kind})" if row.depth else kind)
        cells = [label, row.shape or "--", f"{own:,}" if own or not row.module._modules else "--"]
        if example is not None:
            cells += [f"{row.flops:,}" if row.flops else "--", _bytes(row.memory)]
        table.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = "  ".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return f"{first}  {rest}"

    rule = "=" * len(line(header))
    parameters = list(network.parameters())
    total = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    lines = [rule, line(header), rule, *(line(cells) for cells in table), rule]
    lines += [
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    buffers = sum(b.numel() for b in network.buffers())
    if buffers:
        lines.append(f"Buffers (not trained): {buffers:,} elements")
    lines.append(f"Params size: {_bytes(sum(p.numel() * p.element_size() for p in parameters))}")
    if example is not None:
        flops = sum(row.flops for row in rows.values())
        leaves = [row for row in rows.values() if not row.module._modules]
        batch = example[0].shape[0] if example[0].ndim else 1
        lines += [
            f"Forward FLOPs per sample: {flops:,}"
            + (f" ({_human(flops)})" if flops >= 1e4 else ""),
            f"Input size: {_bytes(sum(t.numel() * t.element_size() for t in example))} "
            f"(shape {', '.join(str(list(t.shape)) for t in example)})",
            f"Activation memory: {_bytes(sum(r.memory for r in leaves))} (batch of {batch})",
        ]
    else:
        lines.append("Output shapes and FLOPs: pass input_size (e.g. (1, 784)) or an example")
    lines.append(rule)
    return "\n".join(lines)
