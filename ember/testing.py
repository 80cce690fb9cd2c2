"""Gradient checking against finite differences, for users and for Ember's own tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy

from ember.autograd import grad as autograd_grad
from ember.errors import EmberError
from ember.tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(EmberError, AssertionError):
    """An analytic gradient disagrees with finite differences."""


def _outputs(result: Any) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    return [r for r in result if isinstance(r, Tensor) and r.data.dtype.kind == "f"]


def _differentiable(inputs: Sequence[Any]) -> list[int]:
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def gradcheck(
    fn: Callable,
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check the VJP of ``fn`` at ``inputs`` against central finite differences.

    For random cotangents ``v`` of every floating output, the analytic ``J^T v``
    from backward is compared with ``(f(x + eps e_i) - f(x - eps e_i)) . v / 2 eps``
    for every element ``i`` of every input that requires grad. Use float64.

    Args:
        fn: function of ``inputs`` returning a tensor or a tuple of tensors.
        inputs: tensors (those with ``requires_grad=True`` are checked) and
            other arguments passed through unchanged.
        eps: finite-difference step.
        atol, rtol: tolerances of the comparison.
        seed: seed of the random cotangents.

    Returns:
        True when every gradient matches.

    Raises:
        GradcheckError: naming the input, the element and both values.

    >>> import ember
    >>> x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t.sin() * t).sum(), [x])
    True
    """
    inputs = list(inputs)
    wrt = _differentiable(inputs)
    outputs = _outputs(fn(*inputs))
    rng = numpy.random.default_rng(seed)
    cotangents = [rng.standard_normal(o.shape) for o in outputs]
    live = [i for i, o in enumerate(outputs) if o.requires_grad]
    analytic = [numpy.zeros(inputs[i].shape) for i in wrt]
    if live:
        grads = autograd_grad(
            [outputs[i] for i in live],
            [inputs[i] for i in wrt],
            [Tensor(cotangents[i].astype(outputs[i].data.dtype)) for i in live],
            allow_unused=True,
        )
        analytic = [
            numpy.zeros(inputs[i].shape) if g is None else g.data
            for g, i in zip(grads, wrt, strict=True)
        ]

    def projected() -> float:
        return sum(
            float(numpy.sum(o.data * v))
            for o, v in zip(_outputs(fn(*inputs)), cotangents, strict=True)
        )

    for k, i in enumerate(wrt):
        data = inputs[i].data
        numeric = numpy.zeros(data.shape)
        flat = data.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = projected()
            flat[j] = original - eps
            minus = projected()
            flat[j] = original
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        if not numpy.allclose(analytic[k], numeric, rtol=rtol, atol=atol):
            bad = numpy.unravel_index(numpy.argmax(numpy.abs(analytic[k] - numeric)), numeric.shape)
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {data.shape}) disagrees with "
                f"finite differences at index {tuple(int(b) for b in bad)}: analytic "
                f"{analytic[k][bad]!r}, numeric {numeric[bad]!r}"
            )
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the VJP of ``fn`` (``create_graph=True``).

    The checked function maps (inputs, cotangents) to the input gradients, so the
    VJP of every VJP used by ``fn`` is exercised.

    >>> import ember
    >>> x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: t.exp() * t, [x])
    True
    """
    inputs = list(inputs)
    wrt = _differentiable(inputs)
    outputs = _outputs(fn(*inputs))
    rng = numpy.random.default_rng(seed + 1)
    cotangents = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outputs]
    n = len(inputs)

    def vjp(*args: Any) -> tuple[Tensor, ...]:
        primals, vs = list(args[:n]), args[n:]
        outs = _outputs(fn(*primals))
        live = [i for i, o in enumerate(outs) if o.requires_grad]
        grads = autograd_grad(
            [outs[i] for i in live],
            [primals[i] for i in wrt],
            [vs[i] for i in live],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(vjp, [*inputs, *cotangents], eps=eps, atol=atol, rtol=rtol, seed=seed)
