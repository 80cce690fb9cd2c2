"""Embedding against torch.nn: lookups and weight gradients (padding_idx, repeated
indices, scale_grad_by_freq, max_norm renormalisation), from_pretrained, reprs,
initialisation and the errors users see."""

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import DTypeError
from tests.nn.layers.helpers import (
    assert_normal,
    build,
    check_state,
    check_train_and_eval,
    error_message,
    randn,
)

INDICES = np.array([[0, 2, 4, 2], [9, 2, 7, 0]])

EMBEDDING = [
    ((10, 3), {}, INDICES),
    ((10, 3), {"padding_idx": 0}, INDICES),
    ((10, 4), {"padding_idx": -1}, np.array([9, 9, 1, 3])),
    ((10, 3), {"scale_grad_by_freq": True}, INDICES),
    ((10, 3), {"scale_grad_by_freq": True, "padding_idx": 2}, INDICES),
    ((10, 3), {"max_norm": 1.0}, INDICES),
    ((10, 3), {"max_norm": 0.5, "norm_type": 1.0}, INDICES),
    ((10, 5), {"max_norm": 2.0, "norm_type": float("inf")}, INDICES[0]),
    ((5, 2), {}, np.array(3)),
    ((5, 2), {}, np.array([[1, 4]], dtype=np.int32)),
]


@pytest.mark.parametrize("args, kwargs, indices", EMBEDDING, ids=str)
def test_embedding_matches_torch(args, kwargs, indices):
    torch_layer, ember_layer = build("Embedding", *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, indices)
    # max_norm rescales the looked-up rows of the weight itself.
    check_state(torch_layer, ember_layer)


def test_max_norm_leaves_rows_not_looked_up_and_short_rows_alone():
    layer = nn.Embedding(4, 2, max_norm=1.0)
    with ember.no_grad():
        layer.weight.copy_(ember.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [0.0, 2.0]]))
    layer(ember.tensor([0, 1, 0]))
    np.testing.assert_allclose(
        layer.weight.detach().numpy(),
        [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0], [0.0, 2.0]],
        rtol=1e-6,
    )


def test_default_initialisation_is_torchs():
    torch.manual_seed(0)
    reference = torch.nn.Embedding(1000, 64, padding_idx=3)
    layer = nn.Embedding(1000, 64, padding_idx=3)
    for weight in (layer.weight.detach().numpy(), reference.weight.detach().numpy()):
        assert not weight[3].any()
        assert_normal(np.delete(weight, 3, axis=0), 1.0)
    assert layer.weight.dtype == ember.float32
    assert nn.Embedding(3, 2, dtype=ember.float64).weight.dtype == ember.float64
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        nn.Embedding(3, 2, device="cuda")


def test_reset_parameters_zeroes_the_padding_row_again():
    layer = nn.Embedding(4, 3, padding_idx=1)
    with ember.no_grad():
        layer.weight.fill_(5.0)
    layer.reset_parameters()
    weight = layer.weight.detach().numpy()
    assert not weight[1].any()
    assert (weight[[0, 2, 3]] != 5.0).all()


def test_attributes_are_torchs():
    layer = nn.Embedding(10, 3, padding_idx=-2, max_norm=2.0, scale_grad_by_freq=True)
    reference = torch.nn.Embedding(10, 3, padding_idx=-2, max_norm=2.0, scale_grad_by_freq=True)
    for name in [
        "num_embeddings",
        "embedding_dim",
        "padding_idx",
        "max_norm",
        "norm_type",
        "scale_grad_by_freq",
        "sparse",
    ]:
        assert getattr(layer, name) == getattr(reference, name), name
    assert repr(layer) == repr(reference)
    assert list(layer.state_dict()) == ["weight"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"freeze": False}, {"padding_idx": 1}, {"max_norm": 1.0, "norm_type": 3.0}],
    ids=str,
)
def test_from_pretrained_matches_torch(kwargs):
    values = randn(5, 3)
    reference = torch.nn.Embedding.from_pretrained(torch.tensor(values), **kwargs)
    pretrained = ember.tensor(values)
    layer = nn.Embedding.from_pretrained(pretrained, **kwargs)
    assert repr(layer) == repr(reference)
    assert layer.weight.requires_grad == reference.weight.requires_grad
    # The given row stays as it is, padding or not.
    np.testing.assert_array_equal(layer.weight.detach().numpy()[1], values[1])
    indices = np.array([[1, 4], [0, 1]])
    if reference.weight.requires_grad:
        check_train_and_eval(reference, layer, indices)
    else:
        out = layer(ember.tensor(indices))
        assert not out.requires_grad
        np.testing.assert_allclose(out.numpy(), reference(torch.tensor(indices)).numpy())
    check_state(reference, layer)


def test_from_pretrained_shares_the_tensor_and_freezes_it():
    pretrained = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    layer = nn.Embedding.from_pretrained(pretrained)
    assert not layer.weight.requires_grad
    pretrained.data[0, 0] = 7.0
    assert layer(ember.tensor([0])).tolist() == [[7.0, 2.0]]
    with pytest.raises(ValueError, match="expected to be 2-dimensional, got shape"):
        nn.Embedding.from_pretrained(ember.ones(2, 3, 4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"padding_idx": 10}, "padding_idx 10 must be within num_embeddings 10"),
        ({"padding_idx": -11}, "padding_idx -11 must be within num_embeddings 10"),
        ({"_weight": ember.ones(3, 3)}, r"Shape of weight \(3, 3\) does not match"),
        ({"sparse": True}, "sparse gradients are not supported"),
    ],
    ids=str,
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Embedding(10, 3, **kwargs)


@pytest.mark.parametrize("index", [10, 12, -1])
def test_out_of_range_index_names_it_and_num_embeddings(index):
    model = nn.Sequential(nn.Embedding(10, 3), nn.Flatten())
    indices = ember.tensor([[1, index, 3]])
    message = error_message(lambda: model(indices))
    assert message.startswith(
        f"Embedding(10, 3) in model.0 got index {index} in input of shape (1, 3): indices "
        "must lie in [0, 10) (num_embeddings=10) (called from test_sparse.py:"
    )


@pytest.mark.parametrize("dtype", [ember.float32, ember.bool_])
def test_non_integer_indices_are_a_dtype_error(dtype):
    model = nn.Sequential(nn.Identity(), nn.Embedding(10, 3))
    message = error_message(lambda: model(ember.zeros(2, dtype=dtype)), DTypeError)
    assert message.startswith(
        f"Embedding(10, 3) in model.1 got input of dtype {dtype}: indices must be an integer "
        "tensor (called from test_sparse.py:"
    )
    assert message.count("(in model") == 0


def test_empty_input_gives_an_empty_lookup():
    layer = nn.Embedding(4, 3)
    assert layer(ember.zeros(0, 2, dtype=ember.int64)).shape == (0, 2, 3)


def test_indices_must_be_a_tensor():
    with pytest.raises(TypeError, match="expected the indices as a Tensor, got list"):
        nn.Embedding(4, 3)([0, 1])
