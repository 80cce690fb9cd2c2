"""MultiheadAttention against torch.nn: state dicts, outputs, attention weights and
gradients for every option and mask kind, in train and eval modes; reprs,
initialisation and errors."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import DTypeError, ShapeError
from tests.nn.layers.helpers import bool_mask, build, causal, randn, run_both

L, S, N, E, H = 4, 5, 2, 8, 2


def sequences(batch_first=False, unbatched=False, length=L, source=S, kdim=E, vdim=E):
    """query, key and value in the layout asked for."""

    def layout(seq, features, seed):
        if unbatched:
            return randn(seq, features, seed=seed)
        return (
            randn(N, seq, features, seed=seed)
            if batch_first
            else randn(seq, N, features, seed=seed)
        )

    return layout(length, E, 1), layout(source, kdim, 2), layout(source, vdim, 3)


def self_sequence(batch_first=False):
    x = randn(N, L, E, seed=4) if batch_first else randn(L, N, E, seed=4)
    return [x, x, x]


attn_2d = bool_mask(L, S, seed=5)
attn_3d = bool_mask(N * H, L, S, seed=6)
padding = bool_mask(N, S, seed=7)

CASES = {
    "plain": ({}, sequences(), {}),
    "self_attention": ({}, self_sequence(), {}),
    "bool_attn_mask_2d": ({}, sequences(), {"attn_mask": attn_2d}),
    "float_attn_mask_2d": ({}, sequences(), {"attn_mask": randn(L, S, seed=8)}),
    "bool_attn_mask_3d": ({}, sequences(), {"attn_mask": attn_3d}),
    "float_attn_mask_3d": ({}, sequences(), {"attn_mask": randn(N * H, L, S, seed=9)}),
    "bool_key_padding_mask": ({}, sequences(), {"key_padding_mask": padding}),
    "float_key_padding_mask": ({}, sequences(), {"key_padding_mask": randn(N, S, seed=10)}),
    "bool_masks": ({}, sequences(), {"attn_mask": attn_3d, "key_padding_mask": padding}),
    "float_masks": (
        {},
        sequences(),
        {"attn_mask": randn(L, S, seed=11), "key_padding_mask": randn(N, S, seed=12)},
    ),
    "no_weights": ({}, sequences(), {"need_weights": False, "attn_mask": attn_2d}),
    "no_weights_padding": ({}, sequences(), {"need_weights": False, "key_padding_mask": padding}),
    "per_head_weights": (
        {},
        sequences(),
        {"average_attn_weights": False, "key_padding_mask": padding},
    ),
    "kdim_vdim": (
        {"kdim": 5, "vdim": 3},
        sequences(kdim=5, vdim=3),
        {"attn_mask": attn_2d, "key_padding_mask": padding},
    ),
    "kdim_vdim_no_bias": ({"kdim": 5, "vdim": 3, "bias": False}, sequences(kdim=5, vdim=3), {}),
    "no_bias": ({"bias": False}, self_sequence(), {"attn_mask": attn_2d[:, :L]}),
    "bias_kv": (
        {"add_bias_kv": True},
        sequences(),
        {"attn_mask": attn_3d, "key_padding_mask": padding},
    ),
    "zero_attn": (
        {"add_zero_attn": True},
        sequences(),
        {"attn_mask": attn_2d, "key_padding_mask": padding, "average_attn_weights": False},
    ),
    "bias_kv_zero_attn": (
        {"add_bias_kv": True, "add_zero_attn": True, "kdim": 6},
        sequences(kdim=6),
        {"attn_mask": randn(L, S, seed=13), "need_weights": False},
    ),
    "batch_first": (
        {"batch_first": True},
        sequences(batch_first=True),
        {"attn_mask": attn_3d, "key_padding_mask": padding},
    ),
    "batch_first_self_attention": (
        {"batch_first": True},
        self_sequence(batch_first=True),
        {"need_weights": False},
    ),
    "unbatched": (
        {},
        sequences(unbatched=True),
        {"attn_mask": attn_3d[:H], "key_padding_mask": padding[0], "average_attn_weights": False},
    ),
    "unbatched_2d_mask": (
        {"batch_first": True, "add_bias_kv": True},
        sequences(unbatched=True),
        {"attn_mask": randn(L, S, seed=14)},
    ),
    "unbatched_no_weights": (
        {"add_zero_attn": True},
        sequences(unbatched=True),
        {"key_padding_mask": randn(S, seed=15), "need_weights": False},
    ),
    "causal": (
        {},
        self_sequence(),
        {"attn_mask": causal(L), "is_causal": True, "need_weights": False},
    ),
    "causal_with_weights": ({}, self_sequence(), {"attn_mask": causal(L), "is_causal": True}),
    "causal_with_padding": (
        {"add_bias_kv": True},
        self_sequence(),
        {"attn_mask": causal(L), "is_causal": True, "key_padding_mask": randn(N, L, seed=17)},
    ),
    # As in torch, the hint wins over the mask when neither weights nor padding are asked.
    "causal_hint_over_mask": (
        {"add_zero_attn": True},
        self_sequence(),
        {"attn_mask": randn(L, L, seed=16), "is_causal": True, "need_weights": False},
    ),
}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_torch(case, training):
    settings, arrays, kwargs = CASES[case]
    torch_layer, ember_layer = build("MultiheadAttention", E, H, **settings)
    torch_layer.train(training)
    ember_layer.train(training)
    run_both(torch_layer, ember_layer, arrays, **kwargs)


def test_key_is_value_and_eval_dropout_match_torch():
    torch_layer, ember_layer = build("MultiheadAttention", E, H, dropout=0.5)
    torch_layer.eval()
    ember_layer.eval()
    query, memory, _ = sequences()
    run_both(torch_layer, ember_layer, [query, memory, memory], key_padding_mask=padding)


def test_dropout_in_training_zeroes_weights_and_rescales_the_rest():
    layer = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True).double()
    x = ember.tensor(randn(N, L, E))
    ember.manual_seed(3)
    _, dropped = layer(x, x, x, average_attn_weights=False)
    layer.eval()
    _, kept = layer(x, x, x, average_attn_weights=False)
    dropped, kept = dropped.detach().numpy(), kept.detach().numpy()
    assert (dropped == 0).mean() > 0.2
    np.testing.assert_allclose(dropped[dropped != 0], 2 * kept[dropped != 0], rtol=1e-12)
    ember.manual_seed(3)
    layer.train()
    _, again = layer(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(again.detach().numpy(), dropped)


@pytest.mark.parametrize(
    "settings",
    [{}, {"kdim": 5, "vdim": 3}, {"add_bias_kv": True, "bias": False}, {"batch_first": True}],
)
def test_parameters_and_repr_match_torch(settings):
    torch_layer, ember_layer = build("MultiheadAttention", E, H, **settings)
    assert repr(ember_layer) == repr(torch_layer)
    for name, value in torch_layer.named_parameters():
        assert ember_layer.get_parameter(name).shape == tuple(value.shape), name
    for attribute in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "batch_first"):
        assert getattr(ember_layer, attribute) == getattr(torch_layer, attribute)
    assert (ember_layer.bias_k is None) == (torch_layer.bias_k is None)


def test_default_initialisation_statistics_match_torch():
    embed_dim, heads = 256, 4
    torch.manual_seed(0)
    torch_layer = torch.nn.MultiheadAttention(embed_dim, heads, add_bias_kv=True)
    ember.manual_seed(0)
    ember_layer = nn.MultiheadAttention(embed_dim, heads, add_bias_kv=True)
    bounds = {
        # xavier_uniform_ over (3E, E), and Linear's kaiming_uniform_(a=sqrt(5)).
        "in_proj_weight": math.sqrt(6 / (4 * embed_dim)),
        "out_proj.weight": 1 / math.sqrt(embed_dim),
    }
    for name, bound in bounds.items():
        values = ember_layer.get_parameter(name).detach().numpy()
        reference = torch_layer.get_parameter(name).detach().numpy()
        count = values.size
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > bound * (1 - 20 / count)
        std = bound / math.sqrt(3)
        for sample in (values, reference):
            assert abs(sample.mean()) < 5 * std / math.sqrt(count), name
            assert abs(sample.std() / std - 1) < 5 / math.sqrt(count), name
    for name in ("in_proj_bias", "out_proj.bias"):
        assert not ember_layer.get_parameter(name).detach().numpy().any()
    # xavier_normal_ over (1, 1, E): fan_in = fan_out = E, std = 1 / sqrt(E).
    biases = np.concatenate(
        [ember_layer.bias_k.detach().numpy().ravel(), ember_layer.bias_v.detach().numpy().ravel()]
    )
    assert abs(biases.std() * math.sqrt(embed_dim) - 1) < 5 / math.sqrt(biases.size)
    assert ember_layer.in_proj_weight.dtype == ember.float32
    separate = nn.MultiheadAttention(8, 2, kdim=6, vdim=4, dtype=ember.float64)
    assert separate.k_proj_weight.dtype == ember.float64
    assert np.abs(separate.v_proj_weight.detach().numpy()).max() <= math.sqrt(6 / (8 + 4))


def test_constructor_errors():
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="cpu"):
        nn.MultiheadAttention(8, 2, device="cuda")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, H)

    def forward(self, query, key, **kwargs):
        return self.attn(query, key, key, **kwargs)


@pytest.mark.parametrize(
    "query_shape, key_shape, kwargs, kind, expected",
    [
        ((L, N, 6), (S, N, E), {}, ShapeError, "embed_dim=8"),
        ((L, N, E, 1), (S, N, E), {}, ShapeError, "3-D (batched) or three 2-D"),
        ((L, N, E), (S, E), {}, ShapeError, "3-D (batched) or three 2-D"),
        ((L, N, E), (S, 3, E), {}, ShapeError, "same batch size"),
        ((L, N, E), (S, N, E), {"key_padding_mask": np.zeros((N, L), bool)}, ShapeError, "(2, 5)"),
        ((L, N, E), (S, N, E), {"attn_mask": np.zeros((S, L))}, ShapeError, "(4, 5) or (4, 4, 5)"),
        ((L, E), (S, E), {"attn_mask": np.zeros((N * H, L, S))}, ShapeError, "(2, 4, 5)"),
        ((L, N, E), (S, N, E), {"attn_mask": np.zeros((L, S), np.int64)}, DTypeError, "int64"),
    ],
)
def test_input_errors_name_the_path_and_the_caller(query_shape, key_shape, kwargs, kind, expected):
    model = Model()
    masks = {k: ember.tensor(v) for k, v in kwargs.items()}
    with pytest.raises(kind) as err:
        model(ember.zeros(*query_shape), ember.zeros(*key_shape), **masks)
    message = str(err.value)
    assert "MultiheadAttention() in model.attn" in message
    assert "test_attention.py" in message
    assert expected in message
    assert message.count("model.attn") == 1


def test_is_causal_needs_a_mask_as_in_torch():
    x = randn(L, N, E)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        torch.nn.MultiheadAttention(E, H).double()(*[torch.tensor(x)] * 3, is_causal=True)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        nn.MultiheadAttention(E, H).double()(*[ember.tensor(x)] * 3, is_causal=True)
