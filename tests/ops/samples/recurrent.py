"""Samples for fused recurrent cells (see ``tests/ops/samples/base.py``).

The PyTorch references run the LSTM step by step in torch ops, gates stacked ``i, f, g, o``
as in ``torch.nn.LSTM``; PyTorch differentiates them to any order.
"""

import torch

import ember
from ember.ops.recurrent import lstm_scan
from tests.ops.samples.base import Sample, randn


def _torch_steps(gates, h0, c0, weight_hh, weight_hr=None, reverse=False):
    """Every step's pre-activation ``z``, ``h``, ``c`` and activated gates ``(4, N, H)``, in
    time order."""
    h, c = h0, c0
    steps = []
    order = range(gates.shape[0])
    for t in reversed(order) if reverse else order:
        z = gates[t] + h @ weight_hh.T
        i, f, g, o = z.chunk(4, 1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        if weight_hr is not None:
            h = h @ weight_hr.T
        steps.append((z, h, c, torch.stack([i, f, g, o])))
    return steps[::-1] if reverse else steps


def _torch_lstm_scan(gates, h0, c0, weight_hh, weight_hr=None, reverse=False):
    steps = _torch_steps(gates, h0, c0, weight_hh, weight_hr, reverse)
    return torch.stack([h for _, h, _, _ in steps]), torch.stack([c for _, _, c, _ in steps])


def _packed(steps, parts):
    """The blocks ``parts`` (indices into each step's tuple) of every step, each stacked
    over time and flattened, one after the other: the records' flat layouts."""
    return torch.cat([torch.stack([step[k] for step in steps]).flatten() for k in parts])


def _torch_lstm_scan_backward(
    grad, output, gates, h0, c0, weight_hh, weight_hr=None, reverse=False
):
    """The gradients of every step's ``z``, ``h`` and ``c`` (each including what flows back
    from later steps) for the cotangent ``grad`` of the record's output (``h``, ``c`` and
    gates of every step); ``output`` itself is recomputed from the inputs."""
    with torch.enable_grad():
        gates = gates.detach().requires_grad_()
        steps = _torch_steps(gates, h0, c0, weight_hh, weight_hr, reverse)
        wrt = [t for step in steps for t in step[:3]]
        grads = torch.autograd.grad(_packed(steps, (1, 2, 3)), wrt, grad)
    return _packed([grads[k : k + 3] for k in range(0, len(grads), 3)], (0, 1, 2))


def _inputs(steps, batch, hidden, proj=0):
    """``(gates, h0, c0, weight_hh[, weight_hr])`` with moderate values (no saturated gates)."""
    out = proj or hidden
    arrays = [
        randn(steps, batch, 4 * hidden),
        randn(batch, out) * 0.5,
        randn(batch, hidden) * 0.5,
        randn(4 * hidden, out) * 0.5,
    ]
    if proj:
        arrays.append(randn(proj, hidden) * 0.5)
    return tuple(arrays)


def _scan(*arrays, reverse=False):
    return Sample(arrays, {"reverse": reverse}, ember_fn=lstm_scan, torch_fn=_torch_lstm_scan)


def _scan_backward(*arrays, reverse=False):
    """A consistent ``(grad, output, *inputs)``: ``output`` is the forward of ``inputs``."""
    tensors = [torch.tensor(a) for a in arrays]
    output = _packed(_torch_steps(*tensors, reverse=reverse), (1, 2, 3)).numpy()
    return Sample(
        (randn(*output.shape), output, *arrays),
        {"reverse": reverse},
        ember_fn=lambda *args, reverse: ember.ops.apply(
            ember.ops.OP_TABLE["lstm_scan_backward"], *args, reverse=reverse
        ),
        torch_fn=_torch_lstm_scan_backward,
        # Its own VJP refuses: lstm_scan differentiates its backward through Ember ops instead
        # (its samples check second derivatives).
        grad=False,
    )


SAMPLES: dict[str, list[Sample]] = {
    "lstm_scan": [
        _scan(*_inputs(4, 2, 3)),
        _scan(*_inputs(3, 2, 3), reverse=True),
        _scan(*_inputs(3, 2, 4, proj=2)),
        _scan(*_inputs(3, 1, 2, proj=1), reverse=True),
        _scan(*_inputs(1, 3, 2)),
        Sample(
            _inputs(3, 2, 2),
            ember_fn=lstm_scan,
            torch_fn=_torch_lstm_scan,
            nondiff=(1, 2),
        ),
    ],
    "lstm_scan_backward": [
        _scan_backward(*_inputs(4, 2, 3)),
        _scan_backward(*_inputs(3, 2, 4, proj=2), reverse=True),
        _scan_backward(*_inputs(1, 2, 2)),
    ],
}
