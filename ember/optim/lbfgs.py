"""L-BFGS: a quasi-Newton method with limited memory, optionally with a strong Wolfe line search.

The algorithm and its stopping rules follow ``torch.optim.LBFGS`` step for step
(itself modelled on minFunc), so both take the same iterates. It works on one
flat array holding every parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ember.autograd import enable_grad
from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check, _checked_defaults
from ember.tensor import Tensor

__all__ = ["LBFGS"]


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimizer of the cubic through two points with given values and slopes, clipped."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


def _strong_wolfe(
    obj_func: Callable[[float], tuple[float, Any]],
    t: float,
    d: Any,
    f: float,
    g: Any,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, float, int]:
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions.

    ``obj_func(t)`` returns the loss and flat gradient at ``x + t * d``. First a
    bracket containing an acceptable step is found by growing ``t``, then it is
    shrunk by cubic interpolation (zoom).

    Returns:
        The loss, the flat gradient and the step at the chosen point, and the
        number of function evaluations.
    """
    d_norm = float(abs(d).max())
    f_new, g_new = obj_func(t)
    evals = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # Extrapolate: the minimum lies further along d.
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # Keep t away from the bracket's ends, or the zoom can stall there.
        hi, lo = max(bracket), min(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insufficient_progress or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS``; ``step`` needs a closure.

    One ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations, each
    moving along a direction built from the last ``history_size`` gradient
    differences, with a fixed step ``lr`` or a strong Wolfe line search. All
    parameters form a single group.

    Args:
        params: tensors to optimize (one group only).
        lr: learning rate (the first trial step of the line search).
        max_iter: iterations per ``step``.
        max_eval: function evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this.
        tolerance_change: stop when the loss or the parameters change less.
        history_size: number of correction pairs kept.
        line_search_fn: None or ``"strong_wolfe"``.

    Raises:
        ValueError: for a negative lr, several parameter groups or an unknown
            line search.

    >>> import ember
    >>> w = ember.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> loss = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check(
            "LBFGS",
            line_search_fn in (None, "strong_wolfe"),
            f"only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}",
        )
        defaults = _checked_defaults(
            "LBFGS",
            lr=lr,
            max_iter=max_iter,
            max_eval=max_iter * 5 // 4 if max_eval is None else max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        _check(
            "LBFGS",
            len(self.param_groups) == 1,
            "LBFGS doesn't support per-parameter options (parameter groups)",
        )
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Refused after construction: L-BFGS works on a single group.

        Raises:
            ValueError: when a second group is added.
        """
        _check(
            "LBFGS",
            not self.param_groups,
            "LBFGS doesn't support per-parameter options (parameter groups)",
        )
        super().add_param_group(param_group)

    def _gather_flat_grad(self) -> Any:
        xp = get_xp(self._params[0].data)
        return xp.concatenate(
            [
                xp.zeros(p.data.size, p.data.dtype) if p.grad is None else p.grad.data.reshape(-1)
                for p in self._params
            ]
        )

    def _add_grad(self, step_size: float, update: Any) -> None:
        offset = 0
        for p in self._params:
            size = p.data.size
            p.data += step_size * update[offset : offset + size].reshape(p.data.shape)
            p._version += 1
            offset += size

    def _set_params(self, values: list[Any]) -> None:
        for p, value in zip(self._params, values, strict=True):
            p.data[...] = value
            p._version += 1

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations.

        Args:
            closure: clears the gradients, re-evaluates the model, calls
                ``backward()`` and returns the loss; it may be called several times.

        Returns:
            The loss of the first closure call.
        """
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d = _unwrap(state.get("d"))
        t = state.get("t")
        old_dirs = [_unwrap(y) for y in state.get("old_dirs", [])]
        old_stps = [_unwrap(s) for s in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        h_diag = state.get("H_diag")
        prev_flat_grad = _unwrap(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                # Skip pairs with too little curvature: they would make the
                # inverse-Hessian estimate indefinite.
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y.dot(y))
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                # Two-loop recursion: d = -H g with H the L-BFGS inverse Hessian.
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i].dot(q)) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i].dot(d)) * ro[i]
                    d += (al[i] - be_i) * old_stps[i]

            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # The first iteration has no curvature estimate: take a short step.
            t = min(1.0, 1.0 / float(abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:
                break

            evals = 0
            if line_search_fn is not None:
                x_init = [p.data.copy() for p in self._params]

                def obj_func(step: float, x_init: list[Any] = x_init, d: Any = d) -> tuple:
                    self._add_grad(step, d)
                    value = float(closure())
                    grad = self._gather_flat_grad()
                    self._set_params(x_init)
                    return value, grad

                loss, flat_grad, t, evals = _strong_wolfe(
                    obj_func, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _wrap(d)
        state["t"] = t
        state["old_dirs"] = [Tensor(y) for y in old_dirs]
        state["old_stps"] = [Tensor(s) for s in old_stps]
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = _wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss


def _unwrap(value: Tensor | None) -> Any:
    return None if value is None else value.data


def _wrap(value: Any) -> Tensor | None:
    return None if value is None else Tensor(value)
