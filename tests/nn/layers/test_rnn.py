"""RNN, LSTM, GRU and their cells against torch.nn: state dicts, outputs, final states and
the gradients of the input, the initial states and every parameter for every option, in
float64; reprs, initialisation, dropout placement, constructor checks and input errors."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import GraphError, ShapeError
from ember.ops.recurrent import lstm_scan
from tests.nn.layers.helpers import (
    ATOL,
    RTOL,
    assert_uniform,
    build,
    compare_outputs_and_gradients,
    error_message,
    randn,
)


def _flat(result):
    """``(output, h_n)``, ``(output, (h_n, c_n))``, ``h`` or ``(h, c)`` as a flat list."""
    if not isinstance(result, tuple):
        return [result]
    return [t for part in result for t in (part if isinstance(part, tuple) else (part,))]


def check(torch_layer, ember_layer, x, hx=None, seed=0):
    """Run both layers on ``x`` (and initial states ``hx``: an array or a tuple of arrays)
    and compare every output, then the gradients of ``x``, of ``hx`` and of every
    parameter after backward of a random-cotangent-weighted sum of all outputs."""
    states = hx if isinstance(hx, tuple) else (hx,)
    torch_x = torch.tensor(x, requires_grad=True)
    ember_x = ember.tensor(x, requires_grad=True)
    torch_hx = [None if h is None else torch.tensor(h, requires_grad=True) for h in states]
    ember_hx = [None if h is None else ember.tensor(h, requires_grad=True) for h in states]
    args = [] if hx is None else [tuple(torch_hx) if isinstance(hx, tuple) else torch_hx[0]]
    torch_out = _flat(torch_layer(torch_x, *args))
    args = [] if hx is None else [tuple(ember_hx) if isinstance(hx, tuple) else ember_hx[0]]
    ember_out = _flat(ember_layer(ember_x, *args))
    assert len(ember_out) == len(torch_out)
    compare_outputs_and_gradients(
        torch_layer,
        ember_layer,
        list(zip(torch_out, ember_out, strict=True)),
        list(zip([torch_x, *torch_hx], [ember_x, *ember_hx], strict=True)),
        seed=seed,
    )


def states(name, kwargs, batch, hidden_size, seed=1):
    """Random initial states for ``name(..., **kwargs)`` (a tuple for the LSTM)."""
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    lead = (layers,) if batch is None else (layers, batch)
    h = randn(*lead, kwargs.get("proj_size") or hidden_size, seed=seed, scale=0.5)
    if name != "LSTM":
        return h
    return h, randn(*lead, hidden_size, seed=seed + 1, scale=0.5)


# ------------------------------------------------------------- sequence layers
# (layer, kwargs, input shape (L, N, 4) or (N, L, 4) with batch_first, or unbatched (L, 4))
SEQUENCE = [
    ({}, (5, 3, 4)),
    ({"num_layers": 2}, (6, 2, 4)),
    ({"bias": False}, (5, 3, 4)),
    ({"batch_first": True}, (3, 7, 4)),
    ({"bidirectional": True}, (6, 2, 4)),
    ({"num_layers": 2, "bidirectional": True, "batch_first": True}, (2, 9, 4)),
    ({"num_layers": 2, "dropout": 0.3}, (5, 2, 4)),
    ({"num_layers": 3, "bidirectional": True, "bias": False}, (4, 2, 4)),
    ({}, (11, 2, 4)),
    ({"bidirectional": True}, (7, 4)),
    ({"num_layers": 2, "batch_first": True}, (6, 4)),
]
LAYERS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 3}),
    ("GRU", {}),
]
CASES = [(name, {**extra, **kwargs}, shape) for name, extra in LAYERS for kwargs, shape in SEQUENCE]


def _id(case):
    name, kwargs, shape = case
    return f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}-{shape}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sequence_layer_matches_torch(case):
    name, kwargs, shape = case
    torch_layer, ember_layer = build(name, 4, 5, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    batched = len(shape) == 3
    batch = (shape[0] if kwargs.get("batch_first") else shape[1]) if batched else None
    x = randn(*shape)
    for training in (False, True):
        if training and kwargs.get("dropout"):
            # Dropout draws differ between libraries; p = 0 checks the training path.
            torch_layer.dropout = ember_layer.dropout = 0.0
        torch_layer.train(training)
        ember_layer.train(training)
        check(torch_layer, ember_layer, x)
        check(torch_layer, ember_layer, x, states(name, kwargs, batch, 5), seed=2)


def test_lstm_projection_shapes_and_keys():
    layer = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=2)
    reference = torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=2)
    assert list(layer.state_dict()) == list(reference.state_dict())
    for key, value in reference.state_dict().items():
        assert layer.state_dict()[key].shape == tuple(value.shape), key
    output, (h_n, c_n) = layer(ember.ones(5, 3, 4))
    assert (output.shape, h_n.shape, c_n.shape) == ((5, 3, 4), (4, 3, 2), (4, 3, 6))
    assert [[p.shape for p in ps] for ps in layer.all_weights] == [
        [tuple(p.shape) for p in ps] for ps in reference.all_weights
    ]


def test_sequence_layers_work_in_float32():
    torch_layer, ember_layer = build("LSTM", 4, 5, num_layers=2)
    torch_layer.float()
    ember_layer.float()
    x = randn(9, 2, 4).astype(np.float32)
    output, (h_n, _) = ember_layer(ember.tensor(x))
    expected, (torch_h_n, _) = torch_layer(torch.tensor(x))
    assert output.dtype == ember.float32
    np.testing.assert_allclose(
        output.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        h_n.detach().numpy(), torch_h_n.detach().numpy(), rtol=1e-5, atol=1e-6
    )


# --------------------------------------------------------------------- dropout
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_one_zeroes_exactly_the_inputs_of_upper_layers(name):
    # With p = 1 every layer but the first reads zeros, whatever the draws: torch and
    # Ember agree only if dropout sits between layers, and not on the input or output.
    torch_layer, ember_layer = build(name, 4, 5, num_layers=3, dropout=1.0)
    check(torch_layer, ember_layer, randn(6, 2, 4))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_is_applied_in_training_only_and_between_layers(name):
    layer = getattr(nn, name)(4, 5, num_layers=2, dropout=0.5).double()
    x = ember.tensor(randn(6, 3, 4))
    layer.eval()
    output, h_n = _flat(layer(x))[:2]
    layer.train()
    ember.manual_seed(0)
    dropped, dropped_h_n = _flat(layer(x))[:2]
    # The first layer sees the raw input; only the second layer's results change.
    np.testing.assert_array_equal(dropped_h_n.detach().numpy()[0], h_n.detach().numpy()[0])
    assert not np.allclose(dropped_h_n.detach().numpy()[1], h_n.detach().numpy()[1])
    assert not np.allclose(dropped.detach().numpy(), output.detach().numpy())
    assert np.all(dropped.detach().numpy() != 0)


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(3, 4, num_layers=2, dropout=0.2)


# ----------------------------------------------------------------------- cells
CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
    ("GRUCell", {"bias": False}),
]


@pytest.mark.parametrize("name, kwargs", CELLS, ids=str)
@pytest.mark.parametrize("batch", [3, None], ids=["batched", "unbatched"])
def test_cell_matches_torch(name, kwargs, batch):
    torch_layer, ember_layer = build(name, 4, 5, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    x = randn(*((batch,) if batch else ()), 4)
    lead = (batch,) if batch else ()
    h = randn(*lead, 5, seed=1, scale=0.5)
    hx = (h, randn(*lead, 5, seed=2, scale=0.5)) if name == "LSTMCell" else h
    for training in (True, False):
        torch_layer.train(training)
        ember_layer.train(training)
        check(torch_layer, ember_layer, x)
        check(torch_layer, ember_layer, x, hx, seed=3)


def test_a_cell_unrolled_by_hand_matches_the_lstm_layer():
    lstm = nn.LSTM(4, 5).double()
    cell = nn.LSTMCell(4, 5).double()
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in lstm.state_dict().items()})
    x = ember.tensor(randn(6, 2, 4))
    output, (_, c_n) = lstm(x)
    h = c = ember.zeros(2, 5, dtype=ember.float64)
    for t in range(6):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(h.detach().numpy(), output.detach().numpy()[t], rtol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_n.detach().numpy()[0], rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs", [{}, {"proj_size": 3, "bidirectional": True}, {"num_layers": 2}], ids=str
)
def test_lstm_second_derivatives_match_torch(kwargs):
    """A gradient penalty: the parameters' gradients of the squared norm of the input's
    gradient, which differentiates the LSTM's backward pass."""
    torch_layer, ember_layer = build("LSTM", 4, 5, **kwargs)
    x = randn(4, 2, 4)
    cotangent = randn(
        4, 2, (2 if kwargs.get("bidirectional") else 1) * (kwargs.get("proj_size") or 5)
    )
    results = []
    for lib, layer in ((torch, torch_layer), (ember, ember_layer)):
        inputs = lib.tensor(x, requires_grad=True)
        output = layer(inputs)[0]
        (grad_x,) = lib.autograd.grad(
            (output * lib.tensor(cotangent)).sum(), inputs, create_graph=True
        )
        (grad_x * grad_x).sum().backward()
        results.append({name: p.grad for name, p in layer.named_parameters()})
    for name, expected in results[0].items():
        np.testing.assert_allclose(
            results[1][name].numpy(), expected.numpy(), rtol=RTOL, atol=ATOL, err_msg=name
        )


def test_lstm_scan_errors_name_the_shapes():
    gates, h, c, weight = (
        ember.zeros(3, 2, 8),
        ember.zeros(2, 2),
        ember.zeros(2, 2),
        ember.zeros(8, 2),
    )
    message = error_message(lambda: lstm_scan(gates, h, ember.zeros(2, 3), weight))
    assert message.startswith(
        "lstm_scan: input of shape (3, 2, 8) does not match c0 of shape (2, 3): expected "
        "(L, 2, 12) (called from test_rnn.py:"
    )
    message = error_message(lambda: lstm_scan(gates, ember.zeros(3, 2), c, weight))
    assert "h0 of shape (3, 2) does not match: expected (2, 2)" in message
    message = error_message(lambda: lstm_scan(gates, h, c, ember.zeros(8, 3)))
    assert "weight_hh of shape (8, 3) does not match: expected (8, 2)" in message


def test_lstm_scan_backward_refuses_its_own_derivative():
    """Only reachable by calling the record directly: lstm_scan takes its second
    derivatives through Ember ops."""
    gates, h, c = ember.zeros(3, 2, 8), ember.zeros(2, 2), ember.zeros(2, 2)
    weight = ember.zeros(8, 2, requires_grad=True)
    output = ember.zeros(3 * 2 * 12)
    record = ember.ops.OP_TABLE["lstm_scan_backward"]
    packed = ember.ops.apply(record, output, output, gates, h, c, weight, reverse=False)
    with pytest.raises(GraphError, match="lstm_scan_backward: has no derivative of its own"):
        packed.sum().backward()


# ------------------------------------------------------- construction and init
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("RNN", {"num_layers": 2, "bidirectional": True}),
        ("LSTM", {"proj_size": 20, "bias": False}),
        ("GRU", {"num_layers": 2}),
        ("RNNCell", {}),
        ("LSTMCell", {}),
        ("GRUCell", {}),
    ],
    ids=str,
)
def test_default_initialisation_is_torchs(name, kwargs):
    torch.manual_seed(0)
    reference = getattr(torch.nn, name)(30, 40, **kwargs)
    layer = getattr(nn, name)(30, 40, **kwargs)
    assert list(layer.state_dict()) == list(reference.state_dict())
    bound = 1 / math.sqrt(40)
    for model in (layer, reference):
        values = [p.detach().numpy().ravel() for p in model.parameters()]
        assert_uniform(np.concatenate(values), bound)


def test_reset_parameters_follows_the_seed():
    ember.manual_seed(5)
    first = nn.LSTM(3, 4, num_layers=2)
    ember.manual_seed(5)
    second = nn.LSTM(3, 4, num_layers=2)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    before = first.weight_hh_l1.detach().numpy().copy()
    first.reset_parameters()
    assert not np.array_equal(first.weight_hh_l1.detach().numpy(), before)


def test_attributes_dtype_and_device():
    layer = nn.LSTM(3, 4, 2, True, True, 0.1, True, 2, dtype=ember.float64)
    assert (layer.input_size, layer.hidden_size, layer.num_layers, layer.proj_size) == (3, 4, 2, 2)
    assert (layer.bias, layer.batch_first, layer.dropout, layer.bidirectional) == (
        True,
        True,
        0.1,
        True,
    )
    assert layer.mode == "LSTM"
    assert all(p.dtype == ember.float64 for p in layer.parameters())
    assert nn.RNN(3, 4, 1, "relu").nonlinearity == "relu"
    assert nn.RNN(3, 4, 1, "relu").mode == "RNN_RELU"
    assert nn.GRUCell(3, 4, dtype=ember.float64).weight_ih.dtype == ember.float64
    assert nn.RNNCell(3, 4, bias=False).bias_ih is None
    assert list(nn.RNNCell(3, 4, bias=False).state_dict()) == ["weight_ih", "weight_hh"]
    for cls in (nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        with pytest.raises(ValueError, match="device 'cuda' is not available"):
            cls(3, 4, device="cuda")
    layer.flatten_parameters()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: nn.RNN(3, 4, dropout=1.5), ValueError, "dropout should be a number in range"),
        (lambda: nn.LSTM(3, 4, dropout=True), ValueError, "dropout should be a number"),
        (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller"),
        (lambda: nn.LSTM(3, 4, proj_size=-1), ValueError, "proj_size should be a positive"),
        (lambda: nn.GRU(3, 0), ValueError, "hidden_size must be greater than zero"),
        (lambda: nn.GRU(0, 3), ValueError, "input_size must be greater than zero"),
        (lambda: nn.GRU(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
        (lambda: nn.GRU(3, 4.0), TypeError, "hidden_size should be of type int, got: float"),
        (lambda: nn.GRU(3, 4, bias=1), TypeError, "bias should be of type bool, got: int"),
        (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity 'gelu'"),
        (lambda: nn.RNNCell(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity"),
    ],
)
def test_constructor_errors_match_torch(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- input errors
class _Model(nn.Module):
    """Holds ``layer`` as ``model.rnn`` and passes it every argument (unlike Sequential)."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer

    def forward(self, *args):
        return self.rnn(*args)


def test_input_rank_and_feature_errors_name_the_path():
    model = nn.Sequential(nn.LSTM(4, 5, batch_first=True))
    message = error_message(lambda: model(ember.ones(2, 3, 4, 4)))
    assert message.startswith(
        "LSTM(4, 5, batch_first=True) in model.0 got input of shape (2, 3, 4, 4): expected a "
        "3-D input (N, L, 4) or a 2-D unbatched one (L, 4) (called from test_rnn.py:"
    )
    message = error_message(lambda: model(ember.ones(2, 3, 7)))
    assert message.startswith(
        "LSTM(4, 5, batch_first=True) in model.0 got input of shape (2, 3, 7): the last "
        "dimension must be input_size=4 (called from test_rnn.py:"
    )
    message = error_message(lambda: nn.Sequential(nn.GRU(4, 5))(ember.ones(4)))
    assert "GRU(4, 5) in model.0 got input of shape (4,): expected a 3-D input (L, N, 4)" in message


def test_hidden_state_shape_errors_are_torchs():
    model = _Model(nn.RNN(4, 20))
    x = ember.ones(5, 3, 4)
    message = error_message(lambda: model(x, ember.zeros(2, 3, 20)))
    assert message.startswith(
        "RNN(4, 20) in model.rnn expected hidden size (1, 3, 20), got (2, 3, 20) "
        "(called from test_rnn.py:"
    )
    message = error_message(lambda: model(x, ember.zeros(3, 20)))
    assert "expected hidden size (1, 3, 20), got (3, 20)" in message
    message = error_message(lambda: model(ember.ones(5, 4), ember.zeros(1, 3, 20)))
    assert "expected hidden size (1, 20), got (1, 3, 20)" in message
    lstm = _Model(nn.LSTM(4, 20, proj_size=3))
    message = error_message(lambda: lstm(x, (ember.zeros(1, 3, 20), ember.zeros(1, 3, 20))))
    assert "model.rnn expected hidden[0] size (1, 3, 3), got (1, 3, 20)" in message
    message = error_message(lambda: lstm(x, (ember.zeros(1, 3, 3), ember.zeros(1, 3, 3))))
    assert "model.rnn expected hidden[1] size (1, 3, 20), got (1, 3, 3)" in message
    with pytest.raises(TypeError, match="hx must be a tuple of 2 tensors"):
        lstm(x, ember.zeros(1, 3, 3))


def test_cell_errors_name_the_path():
    model = _Model(nn.LSTMCell(4, 5))
    message = error_message(lambda: model(ember.ones(2, 3)))
    assert message.startswith(
        "LSTMCell(4, 5) in model.rnn got input of shape (2, 3): expected (N, 4) or unbatched "
        "(4,) (called from test_rnn.py:"
    )
    message = error_message(lambda: model(ember.ones(2, 4), (ember.zeros(3, 5), ember.zeros(2, 5))))
    assert "LSTMCell(4, 5) in model.rnn expected hx[0] size (2, 5), got (3, 5)" in message
    gru = _Model(nn.GRUCell(4, 5))
    message = error_message(lambda: gru(ember.ones(4), ember.zeros(2, 5)))
    assert "GRUCell(4, 5) in model.rnn expected hidden size (5,), got (2, 5)" in message
    with pytest.raises(ShapeError, match=r"model.rnn got input of shape \(3, 2, 4\)"):
        gru(ember.ones(3, 2, 4))
