"""Kernels that NumPy lacks, written against ``xp`` so that CuPy can run them too."""

from __future__ import annotations

import math

import numpy

__all__ = ["erf", "sigmoid"]

try:  # SciPy's erf and expit are single C loops; use them when SciPy is installed.
    from scipy.special import erf as _scipy_erf
    from scipy.special import expit as _scipy_expit
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_erf = _scipy_expit = None

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erf(xp: object, x: object) -> object:
    """The error function, accurate to a few ulps in float64.

    Uses SciPy when present; otherwise a series for ``|x| < 3`` and a continued
    fraction for erfc beyond, both without cancellation.
    """
    if _scipy_erf is not None and xp is numpy:
        return _scipy_erf(x).astype(x.dtype, copy=False)
    work = x.astype(xp.float64)
    a = xp.abs(work)
    small = xp.minimum(a, 3.0)
    # erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!: all terms positive.
    term = small.copy()
    total = small.copy()
    sq2 = 2.0 * small * small
    for n in range(1, 90):
        term = term * sq2 / (2 * n + 1)
        total = total + term
    series = _TWO_OVER_SQRT_PI * xp.exp(-small * small) * total
    big = xp.maximum(a, 3.0)
    # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), bottom up.
    frac = big.copy()
    for k in range(60, 0, -1):
        frac = big + (k / 2.0) / frac
    tail = 1.0 - xp.exp(-big * big) / (math.sqrt(math.pi) * frac)
    out = xp.where(a < 3.0, series, tail)
    return (xp.sign(work) * out).astype(x.dtype, copy=False)


def sigmoid(xp: object, x: object) -> object:
    """The logistic function, without overflow for large ``|x|``.

    Uses SciPy's ``expit`` when present; otherwise evaluates ``exp(-|x|)`` once
    and picks the stable form for each sign, with in-place steps on fresh buffers.
    """
    if _scipy_expit is not None and xp is numpy:
        return _scipy_expit(x)
    e = xp.abs(x)
    xp.negative(e, out=e)
    xp.exp(e, out=e)
    positive = e + 1
    xp.reciprocal(positive, out=positive)
    e *= positive
    return xp.where(x >= 0, positive, e)
