"""nn ops: what the generated tests cannot reach (random masks, in-place running
statistics, second derivatives against PyTorch, error messages)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.errors import DTypeError, GraphError, ShapeError
from ember.testing import gradcheck, gradgradcheck

DROPOUTS = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]
# (op, input shape, shape of the mask: which elements share one draw)
CHANNEL_DROPOUTS = [
    ("dropout1d", (4, 6, 5), (4, 6, 1)),
    ("dropout1d", (6, 5), (6, 1)),
    ("dropout2d", (4, 6, 3, 3), (4, 6, 1, 1)),
    ("dropout2d", (4, 6, 5), (4, 6, 1)),
    ("dropout3d", (2, 6, 2, 2, 2), (2, 6, 1, 1, 1)),
    ("dropout3d", (6, 2, 2, 2), (6, 1, 1, 1)),
    ("feature_alpha_dropout", (4, 6, 3), (4, 6, 1)),
]


def _rng(seed=0):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------- linear
def test_linear_mismatch_names_both_shapes_and_the_caller():
    pattern = (
        r"^linear: input of shape \(32, 100\) does not match weight of shape \(128, 784\): "
        r"last dimension 100 != 784 \(called from test_nn\.py:\d+\)$"
    )
    with pytest.raises(ShapeError, match=pattern):
        F.linear(ember.zeros(32, 100), ember.zeros(128, 784))


def test_linear_weight_gradient_keeps_the_weight_layout():
    x = ember.randn(5, 3)
    w = ember.randn(4, 3, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert w.grad.shape == (4, 3)
    assert w.grad.numpy().flags.c_contiguous


# ----------------------------------------------------------------- batch_norm
def test_batch_norm_updates_running_statistics_in_place():
    x = ember.tensor(_rng().standard_normal((8, 3, 4)), requires_grad=True)
    mean, var = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    mean_data, var_data = mean.numpy(), var.numpy()
    F.batch_norm(x, mean, var, training=True, momentum=0.25).sum().backward()
    t_mean, t_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    TF.batch_norm(torch.tensor(x.detach().numpy()), t_mean, t_var, training=True, momentum=0.25)
    np.testing.assert_allclose(mean.numpy(), t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), t_var.numpy(), rtol=1e-12)
    assert mean.numpy() is mean_data and var.numpy() is var_data
    assert not mean.requires_grad and mean.grad_fn is None


def test_batch_norm_in_eval_mode_leaves_running_statistics_alone():
    mean, var = ember.zeros(3), ember.ones(3)
    F.batch_norm(ember.randn(4, 3), mean, var, training=False)
    assert mean.tolist() == [0.0] * 3 and var.tolist() == [1.0] * 3


# The larger shapes use the kernels' expanded per-channel layout.
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5), (16, 4, 32, 32), (2, 4, 1, 1)])
def test_batch_norm_gradients_and_second_derivatives_match_torch(shape, training):
    x = _rng().standard_normal(shape)
    w, b = _rng(1).standard_normal(shape[1]), _rng(2).standard_normal(shape[1])
    mean, var = _rng(3).standard_normal(shape[1]), _rng(4).uniform(0.5, 2, shape[1])
    results = []
    for lib, functional in ((ember, F), (torch, TF)):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        stats = [lib.tensor(a) for a in (mean, var)]

        def loss(xs=xs, stats=stats, functional=functional):
            out = functional.batch_norm(xs[0], *stats, xs[1], xs[2], training=training)
            return (out * out * out).sum()

        plain = lib.autograd.grad(loss(), xs)
        grads = lib.autograd.grad(loss(), xs, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), xs)
        results.append([g.detach().numpy() for g in (*plain, *grads, *second)])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)


def test_batch_norm_eval_differentiates_running_statistics():
    rng = _rng()
    args = [
        ember.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True),
        ember.tensor(rng.standard_normal(2), requires_grad=True),
        ember.tensor(rng.uniform(0.5, 2.0, 2), requires_grad=True),
        ember.tensor(rng.standard_normal(2), requires_grad=True),
        ember.tensor(rng.standard_normal(2), requires_grad=True),
    ]
    assert gradcheck(F.batch_norm, args)
    assert gradgradcheck(F.batch_norm, args)


def test_batch_norm_float32_keeps_precision_for_offset_inputs():
    x = (_rng().standard_normal((16, 3, 8)) + 1000).astype(np.float32)
    ours = F.batch_norm(ember.tensor(x), None, None, training=True).numpy()
    exact = F.batch_norm(ember.tensor(x.astype(np.float64)), None, None, training=True).numpy()
    np.testing.assert_allclose(ours, exact, atol=1e-3)


def test_batch_norm_errors():
    with pytest.raises(ShapeError, match=r"^batch_norm: expected more than 1 value per channel"):
        F.batch_norm(ember.ones(1, 3), None, None, training=True)
    with pytest.raises(ShapeError, match=r"running_mean of shape \(4,\) does not match the 3"):
        F.batch_norm(ember.ones(2, 3), ember.zeros(4), ember.ones(4))
    with pytest.raises(ShapeError, match=r"running_mean and running_var are needed"):
        F.batch_norm(ember.ones(2, 3), None, None)
    with pytest.raises(ShapeError, match=r"expected an input of shape \(N, C, \.\.\.\)"):
        F.batch_norm(ember.ones(3), None, None, training=True)


@pytest.mark.parametrize(
    "name, kwargs", [("batch_norm", {"training": True}), ("instance_norm", {})]
)
def test_failed_normalization_leaves_running_statistics_alone(name, kwargs):
    mean, var = ember.zeros(3), ember.ones(3)
    with pytest.raises(ShapeError, match=rf"^{name}: weight of shape \(2,\)"):
        getattr(F, name)(ember.randn(4, 3, 2), mean, var, ember.ones(2), **kwargs)
    with pytest.raises(ShapeError, match=rf"^{name}: running_var of shape \(2,\)"):
        getattr(F, name)(ember.randn(4, 3, 2), mean, ember.ones(2), **kwargs)
    assert mean.tolist() == [0.0] * 3 and var.tolist() == [1.0] * 3


def test_normalization_errors():
    with pytest.raises(ShapeError, match=r"^layer_norm: normalized_shape=\[3, 4\] .* \(2, 3, 5\)"):
        F.layer_norm(ember.ones(2, 3, 5), [3, 4])
    with pytest.raises(ShapeError, match=r"^group_norm: the 3 channels .* num_groups=2"):
        F.group_norm(ember.ones(2, 3, 4), 2)
    with pytest.raises(ShapeError, match=r"^instance_norm: expected more than 1 spatial element"):
        F.instance_norm(ember.ones(2, 3, 1))
    with pytest.raises(ShapeError, match=r"^group_norm: weight of shape \(2,\)"):
        F.group_norm(ember.ones(2, 4, 3), 2, ember.ones(2))


# -------------------------------------------------------------------- dropout
@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_probability_out_of_range(name):
    with pytest.raises(ValueError, match=rf"^{name}: dropout probability has to be between 0"):
        getattr(F, name)(ember.ones(2, 3, 4), 1.5, training=True)
    with pytest.raises(ValueError, match=r"but got -0\.1"):
        getattr(F, name)(ember.ones(2, 3, 4), -0.1, training=True)


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_is_the_identity_when_off(name):
    x = ember.randn(2, 3, 4)
    assert getattr(F, name)(x, 0.5, training=False) is x
    assert getattr(F, name)(x, 0.0, training=True) is x


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_with_p_one_gives_zeros(name):
    x = ember.randn(2, 3, 4, requires_grad=True)
    out = getattr(F, name)(x, 1.0, training=True)
    out.sum().backward()
    assert not out.detach().numpy().any() and not x.grad.numpy().any()


def test_dropout_mask_statistics_scaling_and_gradient():
    ember.manual_seed(0)
    x = ember.full((200, 500), 3.0, dtype=ember.float64, requires_grad=True)
    out = F.dropout(x, 0.3)
    kept = out.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(out.detach().numpy()[kept], 3.0 / 0.7)
    out.backward(ember.ones(200, 500, dtype=ember.float64))
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)


def test_dropout_masks_repeat_with_the_seed():
    x = ember.ones(50, 40)
    ember.manual_seed(7)
    first = F.dropout(x, 0.5).numpy()
    second = F.dropout(x, 0.5).numpy()
    ember.manual_seed(7)
    again = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(first, again)
    assert (first != second).any()


def test_dropout_keeps_the_input_dtype():
    assert F.dropout(ember.ones(4, dtype=ember.float64), 0.5).dtype is ember.float64
    assert F.dropout(ember.ones(4), 0.5).dtype is ember.float32


def test_dropout_in_place_writes_into_the_input():
    ember.manual_seed(3)
    x = ember.ones(100)
    data = x.numpy()
    assert F.dropout(x, 0.5, inplace=True) is x
    assert x.numpy() is data
    assert set(x.tolist()) == {0.0, 2.0}
    with pytest.raises(GraphError, match="leaf tensor that requires grad"):
        F.dropout(ember.ones(3, requires_grad=True), 0.5, inplace=True)


@pytest.mark.parametrize("name, shape, mask_shape", CHANNEL_DROPOUTS)
def test_channel_dropout_drops_whole_channels(name, shape, mask_shape):
    ember.manual_seed(1)
    x = ember.tensor(_rng().uniform(1.0, 2.0, shape), requires_grad=True)
    out = getattr(F, name)(x, 0.5, training=True)
    # out = x * factor + offset with one (factor, offset) per channel.
    out.backward(ember.ones(*shape, dtype=ember.float64))
    factor = x.grad.numpy()
    reduced = tuple(i for i, n in enumerate(mask_shape) if n == 1)
    shared = np.broadcast_to(factor.mean(axis=reduced, keepdims=True), shape)
    np.testing.assert_allclose(factor, shared, rtol=1e-12)
    assert len(np.unique(factor)) == 2


def test_dropout1d_rejects_other_ranks():
    with pytest.raises(ShapeError, match=r"^dropout1d: expected a 2-D or 3-D input"):
        F.dropout1d(ember.ones(2, 3, 4, 5))


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(0)
    x = ember.tensor(_rng().standard_normal(400_000))
    out = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01


def test_alpha_dropout_values_and_gradient():
    p, alpha = 0.4, 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    x = ember.tensor(_rng().uniform(1.0, 2.0, 1000), requires_grad=True)
    out = F.alpha_dropout(x, p, training=True)
    out.backward(ember.ones(1000, dtype=ember.float64))
    kept = x.grad.numpy() != 0
    np.testing.assert_allclose(x.grad.numpy()[kept], a)
    np.testing.assert_allclose(
        out.detach().numpy()[kept], a * x.detach().numpy()[kept] + alpha * a * p
    )
    np.testing.assert_allclose(out.detach().numpy()[~kept], alpha * a * (p - 1))
    assert 0.5 < kept.mean() < 0.7


def test_alpha_dropout_is_off_by_default():
    x = ember.ones(3)
    assert F.alpha_dropout(x, 0.5) is x
    assert F.feature_alpha_dropout(x.reshape(1, 3), 0.5).tolist() == [[1.0, 1.0, 1.0]]


# ------------------------------------------------------------------ embedding
def test_embedding_accumulates_repeats_and_skips_the_padding_row():
    weight = ember.randn(4, 2, requires_grad=True)
    out = F.embedding(ember.tensor([[1, 3, 1], [1, 0, 3]]), weight, padding_idx=3)
    out.backward(ember.ones(2, 3, 2))
    assert weight.grad.tolist() == [[1.0, 1.0], [3.0, 3.0], [0.0, 0.0], [0.0, 0.0]]
    np.testing.assert_array_equal(out.detach().numpy()[0, 1], weight.detach().numpy()[3])


def test_embedding_errors():
    weight = ember.randn(3, 2)
    with pytest.raises(ShapeError, match=r"^embedding: index 5 is out of range .* \(3, 2\)"):
        F.embedding(ember.tensor([0, 5]), weight)
    with pytest.raises(ShapeError, match=r"index -1 is out of range"):
        F.embedding(ember.tensor([-1]), weight)
    with pytest.raises(ShapeError, match=r"^embedding: padding_idx 3 is out of range"):
        F.embedding(ember.tensor([0]), weight, padding_idx=3)
    with pytest.raises(DTypeError, match=r"^embedding: expected integer indices"):
        F.embedding(ember.tensor([0.0]), weight)
    with pytest.raises(ValueError, match=r"^embedding: max_norm is not supported"):
        F.embedding(ember.tensor([0]), weight, max_norm=1.0)
    with pytest.raises(ValueError, match=r"^embedding: sparse gradients are not supported"):
        F.embedding(ember.tensor([0]), weight, sparse=True)


def test_one_hot_errors_and_empty_input():
    with pytest.raises(ShapeError, match=r"^one_hot: class values must be non-negative, got -1"):
        F.one_hot(ember.tensor([1, -1]))
    with pytest.raises(ShapeError, match=r"^one_hot: class value 5 is not smaller than num_c"):
        F.one_hot(ember.tensor([1, 5]), 3)
    with pytest.raises(DTypeError, match=r"^one_hot: expected an int64 index tensor"):
        F.one_hot(ember.tensor([1], dtype=ember.int32))
    with pytest.raises(ShapeError, match=r"^one_hot: cannot infer num_classes"):
        F.one_hot(ember.tensor([], dtype=ember.int64))
    empty = F.one_hot(ember.tensor([], dtype=ember.int64), 3)
    assert empty.shape == (0, 3) and empty.dtype is ember.int64


# ------------------------------------------------------------------ attention
def test_attention_dropout_repeats_with_the_seed_and_reaches_the_weights():
    q = ember.randn(2, 4, 3)
    ember.manual_seed(5)
    first = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    ember.manual_seed(5)
    again = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    plain = F.scaled_dot_product_attention(q, q, q)
    assert not np.allclose(first.numpy(), plain.numpy())
    assert not F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).numpy().any()


def test_attention_errors():
    q = ember.ones(2, 3, 4)
    with pytest.raises(ValueError, match=r"^scaled_dot_product_attention: pass either attn_mask"):
        F.scaled_dot_product_attention(q, q, q, ember.ones(3, 3, dtype=ember.bool_), is_causal=True)
    with pytest.raises(ShapeError, match=r"query \(2, 3, 4\), key \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, ember.ones(2, 3, 5), q)
    with pytest.raises(ShapeError, match=r"3 query heads cannot share 2 key heads"):
        k = ember.ones(1, 2, 3, 4)
        F.scaled_dot_product_attention(ember.ones(1, 3, 3, 4), k, k, enable_gqa=True)
