"""Transformer layers against torch.nn: encoder and decoder layers, their stacks and the
full Transformer, comparing state dicts, outputs and every gradient in train and eval
modes; reprs, initialisation, the causal mask and errors."""

import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember import nn
from ember.errors import ShapeError
from tests.nn.layers.helpers import bool_mask, build, causal, randn, run_both

# torch warns that its nested-tensor fast path is off for batch_first=False encoders.
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")

D, HEADS, FF = 8, 2, 16
T, S, N = 4, 5, 2


def settings(training, **kwargs):
    """Layer arguments; training runs without dropout (torch's masks are not Ember's)."""
    kwargs.setdefault("dim_feedforward", FF)
    if training:
        kwargs["dropout"] = 0.0
    activation = kwargs.pop("activation", None)
    if activation == "silu_function":
        return {**kwargs, "activation": torch.nn.functional.silu}, {"activation": F.silu}
    if activation is not None:
        kwargs["activation"] = activation
    return kwargs, {}


def sequence(length, batch_first=False, unbatched=False, seed=0):
    if unbatched:
        return randn(length, D, seed=seed)
    return randn(N, length, D, seed=seed) if batch_first else randn(length, N, D, seed=seed)


def set_mode(training, *layers):
    for layer in layers:
        layer.train(training)


def build_in_mode(name, training, layer_kwargs, **kwargs):
    """The torch and Ember ``name(D, HEADS, **layer_kwargs, **kwargs)`` (arguments as
    ``settings`` makes them), in training or evaluation mode."""
    torch_kwargs, ember_kwargs = settings(training, **layer_kwargs)
    torch_layer, ember_layer = build(
        name, D, HEADS, ember_kwargs=ember_kwargs, **torch_kwargs, **kwargs
    )
    set_mode(training, torch_layer, ember_layer)
    return torch_layer, ember_layer


MODES = pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])

ENCODER_CASES = {
    "post_norm": ({}, {}),
    "norm_first": ({"norm_first": True}, {"src_key_padding_mask": bool_mask(N, S, seed=1)}),
    "gelu": ({"activation": "gelu"}, {"src_mask": causal(S), "is_causal": True}),
    "gelu_norm_first": (
        {"activation": "gelu", "norm_first": True},
        {"src_mask": causal(S), "is_causal": True, "src_key_padding_mask": randn(N, S, seed=2)},
    ),
    "callable_activation": ({"activation": "silu_function"}, {"src_mask": randn(S, S, seed=3)}),
    "batch_first": (
        {"batch_first": True, "layer_norm_eps": 1e-3},
        {"src_mask": np.random.default_rng(4).random((S, S)) < 0.3 * (1 - np.eye(S))},
    ),
    "no_bias": ({"bias": False, "norm_first": True}, {"src_mask": randn(N * HEADS, S, S, seed=5)}),
    "unbatched": ({}, {"src_mask": causal(S), "is_causal": True}),
}


@MODES
@pytest.mark.parametrize("case", list(ENCODER_CASES))
def test_encoder_layer_matches_torch(case, training):
    layer_kwargs, forward_kwargs = ENCODER_CASES[case]
    torch_layer, ember_layer = build_in_mode("TransformerEncoderLayer", training, layer_kwargs)
    src = sequence(
        S, batch_first=layer_kwargs.get("batch_first", False), unbatched=case == "unbatched"
    )
    run_both(torch_layer, ember_layer, [src], **forward_kwargs)


DECODER_CASES = {
    "post_norm": ({}, {}),
    "norm_first_masks": (
        {"norm_first": True},
        {
            "tgt_mask": causal(T),
            "tgt_is_causal": True,
            "memory_mask": randn(T, S, seed=6),
            "tgt_key_padding_mask": randn(N, T, seed=7),
            "memory_key_padding_mask": randn(N, S, seed=8),
        },
    ),
    "bool_masks": (
        {"activation": "gelu"},
        {
            "tgt_key_padding_mask": bool_mask(N, T, seed=9),
            "memory_key_padding_mask": bool_mask(N, S, seed=10),
            "memory_mask": bool_mask(T, S, seed=11),
        },
    ),
    "batch_first": (
        {"batch_first": True, "activation": "silu_function", "bias": False},
        {"tgt_mask": causal(T), "memory_mask": randn(N * HEADS, T, S, seed=12)},
    ),
    "unbatched": ({"norm_first": True}, {"tgt_mask": causal(T), "tgt_is_causal": True}),
}


@MODES
@pytest.mark.parametrize("case", list(DECODER_CASES))
def test_decoder_layer_matches_torch(case, training):
    layer_kwargs, forward_kwargs = DECODER_CASES[case]
    torch_layer, ember_layer = build_in_mode("TransformerDecoderLayer", training, layer_kwargs)
    layout = {
        "batch_first": layer_kwargs.get("batch_first", False),
        "unbatched": case == "unbatched",
    }
    arrays = [sequence(T, seed=13, **layout), sequence(S, seed=14, **layout)]
    run_both(torch_layer, ember_layer, arrays, **forward_kwargs)


def stacks(training, norm):
    """Two-layer torch and Ember encoders and decoders holding the same values."""
    torch_kwargs, _ = settings(training)
    pairs = {}
    for kind in ("Encoder", "Decoder"):
        torch_layer, ember_layer = build(f"Transformer{kind}Layer", D, HEADS, **torch_kwargs)
        torch.manual_seed(1)
        torch_norm, ember_norm = (torch.nn.LayerNorm(D).double(), nn.LayerNorm(D).double())
        torch_stack = getattr(torch.nn, f"Transformer{kind}")(
            torch_layer, 2, torch_norm if norm else None
        )
        ember_stack = getattr(nn, f"Transformer{kind}")(
            ember_layer, 2, ember_norm if norm else None
        )
        assert list(ember_stack.state_dict()) == list(torch_stack.state_dict())
        with torch.no_grad():
            for p in torch_stack.parameters():
                p.copy_(torch.randn_like(p))
        ember_stack.load_state_dict(torch_stack.state_dict())
        set_mode(training, torch_stack, ember_stack)
        pairs[kind] = torch_stack, ember_stack
    return pairs


@MODES
@pytest.mark.parametrize("norm", [True, False], ids=["norm", "no_norm"])
def test_encoder_and_decoder_stacks_match_torch(training, norm):
    pairs = stacks(training, norm)
    memory, tgt = sequence(S, seed=15), sequence(T, seed=16)
    run_both(
        *pairs["Encoder"],
        [memory],
        mask=bool_mask(S, S, seed=17),
        src_key_padding_mask=bool_mask(N, S, seed=17),
    )
    run_both(*pairs["Encoder"], [memory], mask=causal(S), is_causal=True)
    run_both(
        *pairs["Decoder"],
        [tgt, memory],
        tgt_mask=causal(T),
        memory_key_padding_mask=bool_mask(N, S, seed=18),
    )


def test_stack_layers_are_independent_deep_copies():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    first, second = encoder.layers[0], encoder.layers[1]
    assert first is not layer and first is not second
    assert encoder.num_layers == 3 and encoder.norm is None
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert a is not b
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with ember.no_grad():
        first.linear1.weight.fill_(0.0)
    assert second.linear1.weight.detach().numpy().any()


TRANSFORMER_CASES = {
    "default": ({}, {"tgt_mask": causal(T)}),
    "norm_first_masks": (
        {"norm_first": True, "activation": "gelu"},
        {
            "src_mask": randn(S, S, seed=19),
            "tgt_mask": causal(T),
            "tgt_is_causal": True,
            "memory_mask": bool_mask(T, S, seed=20),
            "src_key_padding_mask": randn(N, S, seed=21),
            "tgt_key_padding_mask": randn(N, T, seed=22),
            "memory_key_padding_mask": bool_mask(N, S, seed=23),
        },
    ),
    "batch_first": ({"batch_first": True}, {"src_mask": causal(S), "src_is_causal": True}),
}


@MODES
@pytest.mark.parametrize("case", list(TRANSFORMER_CASES))
def test_transformer_matches_torch(case, training):
    model_kwargs, forward_kwargs = TRANSFORMER_CASES[case]
    torch_model, ember_model = build_in_mode(
        "Transformer", training, model_kwargs, num_encoder_layers=2, num_decoder_layers=2
    )
    batch_first = model_kwargs.get("batch_first", False)
    arrays = [sequence(S, batch_first, seed=24), sequence(T, batch_first, seed=25)]
    run_both(torch_model, ember_model, arrays, **forward_kwargs)
    assert repr(ember_model) == repr(torch_model)


def test_unbatched_transformer_matches_torch():
    torch_model, ember_model = build(
        "Transformer", D, HEADS, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF
    )
    set_mode(False, torch_model, ember_model)
    arrays = [sequence(S, unbatched=True, seed=26), sequence(T, unbatched=True, seed=27)]
    run_both(torch_model, ember_model, arrays, tgt_mask=causal(T))


class Passthrough(nn.Module):
    def forward(self, x, *args, **kwargs):
        return x


def test_custom_encoder_and_decoder_are_used_and_initialised():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 1)
    with ember.no_grad():
        encoder.layers[0].linear1.weight.fill_(5.0)
    model = nn.Transformer(D, HEADS, custom_encoder=encoder, num_decoder_layers=1)
    assert model.encoder is encoder
    bound = math.sqrt(6 / (D + FF))
    assert np.abs(encoder.layers[0].linear1.weight.detach().numpy()).max() <= bound
    model = nn.Transformer(D, HEADS, custom_encoder=Passthrough(), custom_decoder=Passthrough())
    src, tgt = ember.randn(S, N, D), ember.randn(T, N, D)
    assert model(src, tgt) is tgt
    assert list(model.state_dict()) == []


def test_reprs_match_torch():
    for name, args, kwargs in [
        ("TransformerEncoderLayer", (D, HEADS), {"norm_first": True}),
        ("TransformerDecoderLayer", (D, HEADS, FF), {"bias": False}),
        ("Transformer", (D, HEADS, 1, 2, FF), {"layer_norm_eps": 1e-3}),
    ]:
        torch_layer, ember_layer = build(name, *args, **kwargs)
        assert repr(ember_layer) == repr(torch_layer)
    torch_layer, ember_layer = build("TransformerEncoderLayer", D, HEADS, FF)
    torch_stack = torch.nn.TransformerEncoder(torch_layer, 2, torch.nn.LayerNorm(D))
    assert repr(nn.TransformerEncoder(ember_layer, 2, nn.LayerNorm(D))) == repr(torch_stack)


def test_attributes_match_torch():
    torch_model, ember_model = build("Transformer", D, HEADS, 1, 1, FF, batch_first=True)
    for attribute in ("d_model", "nhead", "batch_first"):
        assert getattr(ember_model, attribute) == getattr(torch_model, attribute)
    torch_layer, ember_layer = torch_model.encoder.layers[0], ember_model.encoder.layers[0]
    assert ember_layer.norm_first == torch_layer.norm_first
    assert ember_layer.activation is F.relu
    assert ember_model.encoder.num_layers == torch_model.encoder.num_layers
    assert ember_model.decoder.num_layers == torch_model.decoder.num_layers


def test_default_initialisation_statistics_match_torch():
    d_model, ff = 64, 128
    torch.manual_seed(0)
    torch_model = torch.nn.Transformer(d_model, 4, 1, 1, ff)
    ember.manual_seed(0)
    ember_model = nn.Transformer(d_model, 4, 1, 1, ff)
    torch_params = dict(torch_model.named_parameters())
    for name, param in ember_model.named_parameters():
        values, reference = param.detach().numpy(), torch_params[name].detach().numpy()
        if values.ndim > 1:
            # xavier_uniform_ everywhere, out_proj and the feed-forward weights included.
            bound = math.sqrt(6 / sum(values.shape))
        elif name.endswith("in_proj_bias") or name.endswith("out_proj.bias"):
            np.testing.assert_array_equal(values, 0)
            continue
        elif "norm" in name:
            np.testing.assert_array_equal(values, reference)
            continue
        else:
            # Linear's own bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
            fan_in = d_model if "linear1" in name else ff
            bound = 1 / math.sqrt(fan_in)
        count = values.size
        assert np.abs(values).max() <= bound, name
        std = bound / math.sqrt(3)
        for sample in (values, reference):
            assert abs(sample.mean()) < 5 * std / math.sqrt(count), name
            assert abs(sample.std() / std - 1) < 6 / math.sqrt(count), name
    assert ember_model.encoder.layers[0].linear1.weight.dtype == ember.float32
    model = nn.Transformer(8, 2, 1, 1, 16, dtype=ember.float64)
    assert {p.dtype for p in model.parameters()} == {ember.float64}
    with pytest.raises(ValueError, match="cpu"):
        nn.TransformerEncoderLayer(8, 2, device="cuda")


def test_square_subsequent_mask_matches_torch():
    for size in (1, 4):
        expected = torch.nn.Transformer.generate_square_subsequent_mask(size)
        got = nn.Transformer.generate_square_subsequent_mask(size)
        assert got.dtype == ember.float32
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    got = nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert got.dtype == ember.float64
    with pytest.raises(ValueError, match="cpu"):
        nn.Transformer.generate_square_subsequent_mask(3, device="cuda")


def test_activation_must_be_relu_gelu_or_callable():
    for lib_nn in (torch.nn, nn):
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            lib_nn.TransformerEncoderLayer(D, HEADS, activation="tanh")


def test_is_causal_without_a_mask_is_refused_as_in_torch():
    src = randn(S, N, D)
    for lib, lib_nn in ((torch, torch.nn), (ember, nn)):
        layer = lib_nn.TransformerEncoderLayer(D, HEADS, FF).double()
        with pytest.raises(RuntimeError, match="Need attn_mask"):
            layer(lib.tensor(src), is_causal=True)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.TransformerEncoderLayer(D, HEADS, FF))
        self.decoder = nn.TransformerDecoderLayer(D, HEADS, FF)
        self.model = nn.Transformer(D, HEADS, 1, 1, FF)

    def forward(self, part, *inputs):
        return getattr(self, part)(*inputs)


@pytest.mark.parametrize(
    "part, shapes, where, expected",
    [
        ("body", [(S, N, 6)], "TransformerEncoderLayer() in model.body.0", "d_model=8"),
        ("body", [(N, S, D, 1)], "TransformerEncoderLayer() in model.body.0", "3-D (batched)"),
        ("decoder", [(T, N, D), (S, D, 1)], "in model.decoder got memory", "d_model=8"),
        ("model", [(S, N, D), (T, 3, D)], "Transformer() in model.model", "batch number"),
        ("model", [(S, N, D), (T, N, 6)], "Transformer() in model.model", "d_model=8"),
    ],
)
def test_input_errors_name_the_path_and_the_caller(part, shapes, where, expected):
    with pytest.raises(ShapeError) as err:
        Model()(part, *(ember.zeros(*shape) for shape in shapes))
    message = str(err.value)
    assert where in message
    assert expected in message
    assert "test_transformer.py" in message
