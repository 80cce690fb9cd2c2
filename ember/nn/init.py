"""Weight initialisation with ``torch.nn.init``'s names, arguments and formulas.

Each function fills its tensor in place (outside autograd, as under
``no_grad``), draws from Ember's seeded generator (``ember.manual_seed``, or
the ``generator`` given), and returns the tensor.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy

from ember.errors import DTypeError
from ember.ops.dispatch import op_error
from ember.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

# The layers whose gain is 1: "linear", "conv1d"... "conv_transpose3d".
_LINEAR = ("linear", *(f"conv{kind}{nd}d" for kind in ("", "_transpose") for nd in (1, 2, 3)))
# Grid points of the truncated normal's inverse CDF (see _truncated_standard_normal).
_TRUNC_GRID = 8193


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for weights feeding ``nonlinearity``.

    Args:
        nonlinearity: ``"linear"``, ``"conv2d"`` (and the other conv names),
            ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` or ``"selu"``.
        param: the negative slope of ``leaky_relu`` (default 0.01).

    Raises:
        ValueError: for an unknown nonlinearity or a non-numeric slope.

    >>> round(calculate_gain("relu"), 4), calculate_gain("tanh")
    (1.4142, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight laid out ``(out, in, *kernel)``, as PyTorch counts.

    Raises:
        ValueError: for tensors with fewer than 2 dimensions.
    """
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _rng(generator: Any) -> numpy.random.Generator:
    return (default_generator if generator is None else generator).rng


def _floating(name: str, tensor: Any, floating: bool = True) -> None:
    if not isinstance(tensor, Tensor):
        raise op_error(f"init.{name}", f"expected a Tensor, got {type(tensor).__name__}", TypeError)
    if floating and not tensor.is_floating_point():
        raise op_error(
            f"init.{name}", f"expected a floating point tensor, got {tensor.dtype}", DTypeError
        )


def _write(tensor: Tensor, values: Any) -> Tensor:
    # Written straight into the tensor's memory (views see it); the version bump
    # makes a backward that saved the old values fail loudly instead of using new ones.
    tensor.data[...] = values
    tensor._version += 1
    return tensor


def _fill(name: str, tensor: Tensor, value: float) -> Tensor:
    """``tensor`` (of any dtype) filled with ``value`` by ``init.<name>``."""
    _floating(name, tensor, floating=False)
    return _write(tensor, value)


def _uniform_with_std(tensor: Tensor, std: float, generator: Any) -> Tensor:
    """``uniform_`` over ``[-sqrt(3) std, sqrt(3) std)``, the uniform distribution of ``std``."""
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with values drawn uniformly from ``[a, b)``.

    >>> import ember
    >>> w = ember.nn.init.uniform_(ember.empty(100), -0.1, 0.1)
    >>> bool((w >= -0.1).all() and (w < 0.1).all())
    True
    """
    _floating("uniform_", tensor)
    if a > b:
        raise op_error("init.uniform_", f"expects a <= b, but found a={a} > b={b}")
    return _write(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with values drawn from the normal distribution N(mean, std²).

    >>> import ember
    >>> ember.nn.init.normal_(ember.empty(2, 3), std=0.02).shape
    (2, 3)
    """
    _floating("normal_", tensor)
    if std < 0:
        raise op_error("init.normal_", f"expects std >= 0.0, but found std {std}")
    return _write(tensor, _rng(generator).normal(mean, std, tensor.shape))


def _truncated_standard_normal(
    rng: numpy.random.Generator, alpha: float, beta: float, size: tuple[int, ...]
) -> numpy.ndarray:
    """Samples of N(0, 1) conditioned on ``[alpha, beta]``, by inverting its CDF on a grid.

    NumPy has no ``erfinv``; a tabulated inverse is as accurate as initialisation
    needs and, unlike rejection sampling, as fast for a narrow or far-out
    interval as for a wide one.
    """
    mode = min(max(0.0, alpha), beta)
    # Beyond this reach the density is below e^-40 of its peak: no sample lands there.
    reach = math.sqrt(mode * mode + 80.0)
    lo, hi = max(alpha, -reach), min(beta, reach)
    if hi <= lo:
        return numpy.full(size, lo)
    grid = numpy.linspace(lo, hi, _TRUNC_GRID)
    density = numpy.exp((mode * mode - grid * grid) / 2)
    cdf = numpy.concatenate([[0.0], numpy.cumsum(density[1:] + density[:-1])])
    return numpy.interp(rng.random(size), cdf / cdf[-1], grid)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """Fill ``tensor`` from N(mean, std²) truncated to ``[a, b]`` (absolute bounds, as in torch).

    >>> import ember
    >>> w = ember.nn.init.trunc_normal_(ember.empty(1000), std=0.02, a=-0.04, b=0.04)
    >>> bool((w.abs() <= 0.04).all())
    True
    """
    _floating("trunc_normal_", tensor)
    if std <= 0:
        raise op_error("init.trunc_normal_", f"expects std > 0, but found std {std}")
    if a > b:
        raise op_error("init.trunc_normal_", f"expects a <= b, but found a={a} > b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    z = _truncated_standard_normal(
        _rng(generator), (a - mean) / std, (b - mean) / std, tensor.shape
    )
    return _write(tensor, numpy.clip(mean + std * z, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``.

    >>> import ember
    >>> ember.nn.init.constant_(ember.empty(2), 0.5)
    tensor([0.5, 0.5])
    """
    return _fill("constant_", tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones.

    >>> import ember
    >>> ember.nn.init.ones_(ember.empty(2))
    tensor([1., 1.])
    """
    return _fill("ones_", tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros.

    >>> import ember
    >>> ember.nn.init.zeros_(ember.empty(2))
    tensor([0., 0.])
    """
    return _fill("zeros_", tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity (ones on the diagonal, zeros elsewhere).

    >>> import ember
    >>> ember.nn.init.eye_(ember.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _floating("eye_", tensor, floating=False)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, numpy.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight so that the convolution is the identity.

    With ``groups > 1`` each group of output channels keeps its own identity.

    >>> import ember
    >>> w = ember.nn.init.dirac_(ember.empty(2, 2, 3))
    >>> w[0].tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    _floating("dirac_", tensor, floating=False)
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels, in_channels, *kernel = tensor.shape
    if out_channels % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    diagonal = numpy.arange(min(per_group, in_channels))
    values = numpy.zeros(tensor.shape)
    outputs = (numpy.arange(groups)[:, None] * per_group + diagonal).ravel()
    inputs = numpy.tile(diagonal, groups)
    values[(outputs, inputs, *(k // 2 for k in kernel))] = 1
    return _write(tensor, values)


def _xavier_std(tensor: Tensor, gain: float) -> float:
    """Glorot initialisation's std: ``gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import ember
    >>> w = ember.nn.init.xavier_uniform_(ember.empty(3, 5))
    >>> bool((w.abs() <= (6 / 8) ** 0.5).all())
    True
    """
    return _uniform_with_std(tensor, _xavier_std(tensor, gain), generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: ``N(0, std²)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> import ember
    >>> ember.nn.init.xavier_normal_(ember.empty(3, 5)).shape
    (3, 5)
    """
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """He initialisation's std, or None for a tensor with no elements (left untouched)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: the weight, laid out ``(out, in, *kernel)``.
        a: the negative slope of the ``leaky_relu`` that follows.
        mode: ``"fan_in"`` keeps the forward variance, ``"fan_out"`` the backward one.
        nonlinearity: see ``calculate_gain``.
        generator: a generator to draw from instead of the global one.

    >>> import ember
    >>> w = ember.nn.init.kaiming_uniform_(ember.empty(4, 6), nonlinearity="relu")
    >>> bool((w.abs() <= (6 / 6) ** 0.5).all())
    True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return tensor if std is None else _uniform_with_std(tensor, std, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: ``N(0, std²)`` with ``std = gain / sqrt(fan)``; arguments as ``kaiming_uniform_``.

    >>> import ember
    >>> ember.nn.init.kaiming_normal_(ember.empty(8, 3, 3, 3), mode="fan_out").shape
    (8, 3, 3, 3)
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return tensor if std is None else normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix, its trailing dimensions flattened.

    >>> import ember
    >>> w = ember.nn.init.orthogonal_(ember.empty(3, 5))
    >>> (w @ w.T - ember.eye(3)).abs().max().item() < 1e-5
    True
    """
    _floating("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = numpy.linalg.qr(flat)
    # QR is unique only up to the signs of R's diagonal; fixing them makes Q uniform.
    q = q * numpy.sign(numpy.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q.reshape(tensor.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """Fill a 2-D ``tensor`` from N(0, std²), then zero a ``sparsity`` fraction of each column.

    >>> import ember
    >>> w = ember.nn.init.sparse_(ember.empty(10, 4), sparsity=0.3)
    >>> (w == 0).sum(dim=0).tolist()
    [3, 3, 3, 3]
    """
    _floating("sparse_", tensor)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    rng = _rng(generator)
    values = rng.normal(0.0, std, (rows, cols))
    zero_rows = numpy.argsort(rng.random((rows, cols)), axis=0)[: math.ceil(sparsity * rows)]
    values[zero_rows, numpy.arange(cols)] = 0.0
    return _write(tensor, values)
