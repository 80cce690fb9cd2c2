"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU`` and their one-step cells, as in ``torch.nn``.

Parameters have torch's names, order, shapes, gate order (LSTM ``i, f, g, o``,
GRU ``r, z, n``) and initialisation, so a torch state dict loads unchanged.

The LSTM runs on the fused ``lstm_scan`` record: one GEMM for the input's part of the
gates of the whole sequence, then the recurrence in one op. ``RNN`` and ``GRU`` are written
in Ember ops: the input-to-hidden product of each block of ``_BLOCK`` time steps is one
GEMM, taken before those steps; only the recurrent product and the gate arithmetic run step
by step, in as few ops as the cell allows.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import ember.nn.functional as F
from ember.creation import zeros
from ember.nn import init
from ember.nn.layers._common import _parameter
from ember.nn.module import Module
from ember.nn.parameter import Parameter
from ember.ops.elementwise import relu, sigmoid, tanh
from ember.ops.recurrent import lstm_scan
from ember.ops.shape import cat, stack, unbind
from ember.tensor import Tensor

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
# The arguments torch's repr shows, in its order, when they differ from these defaults.
_REPR_DEFAULTS = (
    ("proj_size", 0),
    ("num_layers", 1),
    ("bias", True),
    ("batch_first", False),
    ("dropout", 0),
    ("bidirectional", False),
)

# Time steps whose input projection is one GEMM. In backward, each step's slice of a
# projection becomes a gradient the size of the whole projection, so one GEMM over the
# whole sequence would cost time quadratic in its length (measured: 1.6x slower over 64
# steps); short blocks keep that cost small and still give the GEMM enough rows.
_BLOCK = 4

# A step's state: (h,) or, for the LSTM, (h, c).
_State = tuple[Tensor, ...]
_Step = Callable[[Tensor, _State], _State]


# ------------------------------------------------------------------ the cells' arithmetic
def _gru_update(x_part: Tensor, h_part: Tensor, h: Tensor, hidden_size: int) -> Tensor:
    """The GRU's new ``h`` from ``W_i x + b_i`` and ``W_h h + b_h`` (both ``(N, 3H)``)."""
    n2 = 2 * hidden_size
    rz = sigmoid((x_part + h_part)[:, :n2])
    r, z = rz[:, :hidden_size], rz[:, hidden_size:]
    n = tanh(x_part[:, n2:] + r * h_part[:, n2:])
    return n + z * (h - n)


def _activation(mode: str) -> Callable[[Tensor], Tensor]:
    return relu if mode == "RNN_RELU" else tanh


def _add_biases(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    return None if b_ih is None else b_ih + b_hh


# -------------------------------------------------------------------- the time loop
def _blocks(x: Tensor) -> list[Tensor]:
    """``x`` of shape ``(T, N, F)`` cut along time into blocks of ``_BLOCK`` steps."""
    steps = x.shape[0]
    if steps <= _BLOCK:
        return [x]
    return [x[start : start + _BLOCK] for start in range(0, steps, _BLOCK)]


def _scan(
    blocks: list[Tensor],
    w_in: Tensor,
    b_in: Tensor | None,
    step: _Step,
    state: _State,
    reverse: bool,
) -> tuple[list[Tensor], _State]:
    """Run ``step`` over every time step of ``blocks``, forward or in reverse.

    Returns each block's outputs ``h`` (in time order) and the last state.
    """
    outputs = []
    for block in reversed(blocks) if reverse else blocks:
        projected = F.linear(block, w_in, b_in)
        steps = range(projected.shape[0])
        hs = []
        for j in reversed(steps) if reverse else steps:
            state = step(projected[j], state)
            hs.append(state[0])
        outputs.append(stack(hs[::-1] if reverse else hs))
    return (outputs[::-1] if reverse else outputs), state


def _lstm_direction(
    x: Tensor, weights: Sequence[Tensor | None], state: _State, reverse: bool
) -> tuple[list[Tensor], _State]:
    """One direction of an LSTM layer over the whole sequence ``x`` ``(T, N, F)``: its
    output, as a single block, and its last ``(h, c)``."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gates = F.linear(x, w_ih, _add_biases(b_ih, b_hh))
    output, cell = lstm_scan(gates, *state, w_hh, w_hr, reverse=reverse)
    last = 0 if reverse else -1
    return [output], (output[last], cell[last])


def _recurrence(
    mode: str, weights: Sequence[Tensor | None], hidden_size: int
) -> tuple[Tensor, Tensor | None, _Step]:
    """The input projection ``(w_in, b_in)`` and the step function of one direction of an
    ``RNN`` or ``GRU`` layer.

    ``weights`` is ``(w_ih, w_hh, b_ih, b_hh)``, with None for absent biases.
    """
    w_ih, w_hh, b_ih, b_hh = weights[:4]
    if mode == "GRU":

        def gru_step(p: Tensor, state: _State) -> _State:
            h = state[0]
            return (_gru_update(p, F.linear(h, w_hh, b_hh), h, hidden_size),)

        return w_ih, b_ih, gru_step
    activation = _activation(mode)

    def rnn_step(p: Tensor, state: _State) -> _State:
        return (activation(p + F.linear(state[0], w_hh)),)

    return w_ih, _add_biases(b_ih, b_hh), rnn_step


def _check_tensor(what: str, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{what} must be a Tensor, got {type(value).__name__}")


def _check_state(module: Module, what: str, hx: Any, expected: tuple[int, ...]) -> None:
    _check_tensor(what, hx)
    if hx.shape != expected:
        raise module._input_error(f"expected {what} size {expected}, got {hx.shape}")


def _state_tensors(hx: Any, count: int) -> Sequence[Any]:
    """The ``count`` tensors of the state ``hx``: one tensor, or a tuple (or list) of them.

    Raises:
        TypeError: for another number of tensors.
    """
    tensors = hx if isinstance(hx, (tuple, list)) else (hx,)
    if len(tensors) != count:
        raise TypeError(f"hx must be a tuple of {count} tensors (h_0, c_0)")
    return tensors


def _reset_uniform(module: Module) -> None:
    """Draw every parameter of ``module`` from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``,
    PyTorch's initialisation of its recurrent layers and cells."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


# ------------------------------------------------------------------- sequence layers
class RNNBase(Module):
    """The parameters, checks and time loop shared by ``RNN``, ``LSTM`` and ``GRU``.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, proj_size: as in ``LSTM``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Raises:
        ValueError, TypeError: for arguments torch rejects, with torch's messages.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        for name, value, kind in (
            ("bias", bias, bool),
            ("batch_first", batch_first, bool),
            ("input_size", input_size, int),
            ("hidden_size", hidden_size, int),
        ):
            if not isinstance(value, kind):
                raise TypeError(
                    f"{name} should be of type {kind.__name__}, got: {type(value).__name__}"
                )
            if kind is int and value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}{'_reverse' if direction else ''}"
                shapes = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, out_size),
                }
                if bias:
                    shapes["bias_ih"] = shapes["bias_hh"] = (gate_size,)
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, _parameter(*shape, device=device, dtype=dtype))
                    names.append(kind + suffix)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in torch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Does nothing: torch's call to pack weights for cuDNN, kept so scripts run."""

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _reset_uniform(self)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for name, default in _REPR_DEFAULTS:
            value = getattr(self, name)
            if value != default:
                text += f", {name}={value}"
        return text

    def _weights(self, layer: int, direction: int) -> tuple[Tensor | None, ...]:
        suffix = f"_l{layer}{'_reverse' if direction else ''}"
        return tuple(
            self._parameters.get(kind + suffix)
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        )

    def _sequence(self, input: Any) -> tuple[Tensor, bool]:
        """``input`` as ``(T, N, input_size)``, and whether it had a batch dimension."""
        _check_tensor("input", input)
        if input.ndim not in (2, 3):
            batched = "(N, L, {})" if self.batch_first else "(L, N, {})"
            raise self._input_error(
                f"got input of shape {input.shape}: expected a 3-D input "
                f"{batched.format(self.input_size)} or a 2-D unbatched one (L, {self.input_size})"
            )
        if input.shape[-1] != self.input_size:
            raise self._input_error(
                f"got input of shape {input.shape}: the last dimension must be "
                f"input_size={self.input_size}"
            )
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise self._input_error(f"got input of shape {input.shape}: the sequence is empty")
        return input, batched

    def _initial_states(
        self, hx: Any, input: Tensor, batched: bool, names: tuple[str, ...], sizes: tuple[int, ...]
    ) -> list[_State]:
        """One state per layer and direction, from ``hx`` (or zeros when it is None)."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        batch = input.shape[1]
        if hx is None:
            return [tuple(zeros(batch, n, dtype=input.dtype) for n in sizes)] * layers
        per_tensor = []
        for name, tensor, size in zip(names, _state_tensors(hx, len(names)), sizes, strict=True):
            expected = (layers, batch, size) if batched else (layers, size)
            _check_state(self, name, tensor, expected)
            per_tensor.append(unbind(tensor if batched else tensor.unsqueeze(1), 0))
        return list(zip(*per_tensor, strict=True))

    def _run(self, input: Any, hx: Any, names: tuple[str, ...], sizes: tuple[int, ...]) -> tuple:
        """The output and the final states (stacked per name) of the whole stack of layers."""
        x, batched = self._sequence(input)
        states = self._initial_states(hx, x, batched, names, sizes)
        directions = 2 if self.bidirectional else 1
        # The LSTM's recurrence is one op over the whole sequence: it needs no blocks.
        blocks = [x] if self.mode == "LSTM" else _blocks(x)
        finals: list[_State] = []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                blocks = [F.dropout(block, self.dropout, True) for block in blocks]
            outputs = []
            for direction in range(directions):
                weights = self._weights(layer, direction)
                state = states[layer * directions + direction]
                if self.mode == "LSTM":
                    out, state = _lstm_direction(blocks[0], weights, state, bool(direction))
                else:
                    w_in, b_in, step = _recurrence(self.mode, weights, self.hidden_size)
                    out, state = _scan(blocks, w_in, b_in, step, state, direction)
                outputs.append(out)
                finals.append(state)
            if directions == 1:
                blocks = outputs[0]
            else:
                blocks = [cat(pair, 2) for pair in zip(*outputs, strict=True)]
        output = blocks[0] if len(blocks) == 1 else cat(blocks, 0)
        final = [stack([state[i] for state in finals]) for i in range(len(names))]
        if not batched:
            return output.squeeze(1), [t.squeeze(1) for t in final]
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, final


class _HiddenStateRNN(RNNBase):
    """A sequence layer whose state is ``h`` alone: ``RNN`` and ``GRU``."""

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run over the sequence; returns ``(output, h_n)``.

        Raises:
            ShapeError: if ``input`` is not 2-D or 3-D, its last dimension is not
                ``input_size``, or ``hx`` has the wrong shape.
        """
        output, (h_n,) = self._run(input, hx, ("hidden",), (self.hidden_size,))
        return output, h_n


class RNN(_HiddenStateRNN):
    """An Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` per layer.

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the state ``h``.
        num_layers: stacked layers; each after the first reads the one below's outputs.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        bias: whether to learn ``b_ih`` and ``b_hh``.
        batch_first: inputs and outputs are ``(N, L, *)`` instead of ``(L, N, *)``.
        dropout: the dropout probability on the outputs of every layer but the last, in
            training.
        bidirectional: run a second pass over the reversed sequence and concatenate.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    ``forward(input, hx=None)`` takes ``(L, N, input_size)`` (or unbatched
    ``(L, input_size)``) and ``h_0`` of ``(D * num_layers, N, hidden_size)`` (zeros if
    None), and returns ``(output, h_n)``: ``output`` is ``(L, N, D * hidden_size)``.

    >>> import ember
    >>> rnn = ember.nn.RNN(4, 3, num_layers=2)
    >>> output, h_n = rnn(ember.ones(5, 2, 4))
    >>> output.shape, h_n.shape
    ((5, 2, 3), (2, 2, 3))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A long short-term memory network, with torch's gates and parameter layout.

    Per step, with gates stacked ``i, f, g, o`` in ``weight_ih`` and ``weight_hh``::

        i, f, o = sigmoid(...), g = tanh(...)   of  x W_ih^T + b_ih + h W_hh^T + b_hh
        c' = f * c + i * g
        h' = o * tanh(c')   (then h' W_hr^T when proj_size > 0)

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the cell state ``c``.
        num_layers: stacked layers; each after the first reads the one below's outputs.
        bias: whether to learn ``b_ih`` and ``b_hh``.
        batch_first: inputs and outputs are ``(N, L, *)`` instead of ``(L, N, *)``.
        dropout: the dropout probability on the outputs of every layer but the last, in
            training.
        bidirectional: run a second pass over the reversed sequence and concatenate.
        proj_size: if > 0, ``h`` is projected to this size by ``weight_hr``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    ``forward(input, hx=None)`` takes ``(L, N, input_size)`` (or unbatched
    ``(L, input_size)``) and ``(h_0, c_0)`` (zeros if None), and returns
    ``(output, (h_n, c_n))``: ``output`` is ``(L, N, D * H_out)``, ``h_n`` is
    ``(D * num_layers, N, H_out)`` and ``c_n`` is ``(D * num_layers, N, hidden_size)``,
    where ``H_out`` is ``proj_size or hidden_size``.

    >>> import ember
    >>> lstm = ember.nn.LSTM(4, 3, bidirectional=True, batch_first=True)
    >>> output, (h_n, c_n) = lstm(ember.ones(2, 5, 4))
    >>> output.shape, h_n.shape, c_n.shape
    ((2, 5, 6), (2, 2, 3), (2, 2, 3))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device=device,
            dtype=dtype,
        )

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run over the sequence; returns ``(output, (h_n, c_n))``.

        Raises:
            ShapeError: if ``input`` is not 2-D or 3-D, its last dimension is not
                ``input_size``, or ``h_0`` or ``c_0`` has the wrong shape.
        """
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)
        output, (h_n, c_n) = self._run(input, hx, ("hidden[0]", "hidden[1]"), sizes)
        return output, (h_n, c_n)


class GRU(_HiddenStateRNN):
    """A gated recurrent unit network, with torch's gates ``r, z, n``::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            device, dtype: as in ``RNN``.

    ``forward(input, hx=None)`` returns ``(output, h_n)`` with ``RNN``'s shapes.

    >>> import ember
    >>> gru = ember.nn.GRU(4, 3)
    >>> output, h_n = gru(ember.ones(5, 4))
    >>> output.shape, h_n.shape
    ((5, 3), (1, 3))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )


# ------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """The parameters and checks shared by ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the state.
        bias: whether to learn ``bias_ih`` and ``bias_hh``.
        num_chunks: the number of gates stacked in each weight.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = _parameter(rows, input_size, device=device, dtype=dtype)
        self.weight_hh = _parameter(rows, hidden_size, device=device, dtype=dtype)
        if bias:
            self.bias_ih = _parameter(rows, device=device, dtype=dtype)
            self.bias_hh = _parameter(rows, device=device, dtype=dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _reset_uniform(self)

    def _batched(self, input: Any, hx: Any, count: int) -> tuple[Tensor, list[Tensor], bool]:
        """``input`` as ``(N, input_size)`` and the ``count`` state tensors as
        ``(N, hidden_size)`` (zeros for None), and whether ``input`` had a batch dimension."""
        _check_tensor("input", input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise self._input_error(
                f"got input of shape {input.shape}: expected (N, {self.input_size}) or "
                f"unbatched ({self.input_size},)"
            )
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        expected = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if hx is None:
            return (
                input,
                [zeros(input.shape[0], self.hidden_size, dtype=input.dtype)] * count,
                batched,
            )
        states = []
        for i, tensor in enumerate(_state_tensors(hx, count)):
            _check_state(self, f"hx[{i}]" if count > 1 else "hidden", tensor, expected)
            states.append(tensor if batched else tensor.unsqueeze(0))
        return input, states, batched


class _HiddenStateCell(RNNCellBase):
    """A cell whose state is ``h`` alone, updated by ``_step``: ``RNNCell`` and ``GRUCell``."""

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns the new state.

        Raises:
            ShapeError: if ``input`` or ``hx`` has the wrong shape.
        """
        x, (h,), batched = self._batched(input, hx, 1)
        h = self._step(x, h)
        return h if batched else h.squeeze(0)

    def _step(self, x: Tensor, h: Tensor) -> Tensor:
        """The new state ``(N, hidden_size)`` from ``x`` and ``h``, both batched."""
        raise NotImplementedError


class RNNCell(_HiddenStateCell):
    """One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the state.
        bias: whether to learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    ``forward(input, hx=None)``: ``(N, input_size)`` or ``(input_size,)`` and ``h`` of
    ``(N, hidden_size)`` or ``(hidden_size,)`` (zeros if None) give ``h'``.

    >>> import ember
    >>> cell = ember.nn.RNNCell(4, 3, nonlinearity="relu")
    >>> cell(ember.ones(2, 4)).shape
    (2, 3)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def _step(self, x: Tensor, h: Tensor) -> Tensor:
        pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        return _activation("RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH")(pre)


class LSTMCell(RNNCellBase):
    """One step of an LSTM (gates ``i, f, g, o``, as ``LSTM``); returns ``(h', c')``.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of ``h`` and ``c``.
        bias: whether to learn ``bias_ih`` and ``bias_hh``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    ``forward(input, hx=None)``: ``(N, input_size)`` or ``(input_size,)`` and ``(h, c)``
    (zeros if None) give ``(h', c')``.

    >>> import ember
    >>> cell = ember.nn.LSTMCell(4, 3)
    >>> h, c = cell(ember.ones(2, 4))
    >>> h.shape, c.shape
    ((2, 3), (2, 3))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        """One step; returns ``(h', c')``.

        Raises:
            ShapeError: if ``input``, ``h`` or ``c`` has the wrong shape.
        """
        x, (h, c), batched = self._batched(input, hx, 2)
        gates = F.linear(x, self.weight_ih, _add_biases(self.bias_ih, self.bias_hh))
        output, cell = lstm_scan(gates.unsqueeze(0), h, c, self.weight_hh)
        return (output[0], cell[0]) if batched else (output[0, 0], cell[0, 0])


class GRUCell(_HiddenStateCell):
    """One step of a GRU (gates ``r, z, n``, as ``GRU``); returns ``h'``.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the state.
        bias: whether to learn ``bias_ih`` and ``bias_hh``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    >>> import ember
    >>> cell = ember.nn.GRUCell(4, 3)
    >>> cell(ember.ones(4), ember.zeros(3)).shape
    (3,)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def _step(self, x: Tensor, h: Tensor) -> Tensor:
        x_part = F.linear(x, self.weight_ih, self.bias_ih)
        return _gru_update(x_part, F.linear(h, self.weight_hh, self.bias_hh), h, self.hidden_size)
