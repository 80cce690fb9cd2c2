"""Shape ops beyond the generated tests: error messages, views, aliases and properties."""

import numpy as np
import pytest
import torch

import ember
from ember.errors import ShapeError
from ember.ops.shape import pad


def _raises(fn, *needles, error=ShapeError):
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    for needle in (*needles, "test_shape.py"):
        assert needle in message, message


@pytest.mark.parametrize(
    "call, needles",
    [
        (lambda: ember.cat([ember.zeros(2, 3), ember.zeros(2, 4)]), ("cat", "(2, 3)", "(2, 4)")),
        (lambda: ember.cat([ember.zeros(2, 3), ember.zeros(3)], dim=1), ("cat", "(3,)")),
        (lambda: ember.cat([ember.tensor(1.0), ember.tensor(2.0)]), ("cat", "0-d")),
        (lambda: ember.cat([]), ("cat", "non-empty")),
        (lambda: ember.cat([ember.zeros(2, 3)], dim=2), ("cat", "dim 2")),
        (lambda: ember.stack([ember.zeros(2), ember.zeros(3)]), ("stack", "(2,)", "(3,)")),
        (lambda: ember.transpose(ember.zeros(2, 3), 0, 2), ("transpose", "dim 2")),
        (lambda: ember.squeeze(ember.zeros(1, 2), (0, -2)), ("squeeze", "more than once")),
        (lambda: ember.unsqueeze(ember.zeros(2), 3), ("unsqueeze", "dim 3")),
        (lambda: ember.flatten(ember.zeros(2, 3, 4), 2, 1), ("flatten", "(2, 3, 4)")),
        (lambda: ember.unflatten(ember.zeros(2, 6), 1, (4, -1)), ("unflatten", "(4, -1)")),
        (lambda: ember.split(ember.zeros(5), [2, 2]), ("split", "[2, 2]", "5")),
        (lambda: ember.split(ember.zeros(5), 0), ("split", "0")),
        (lambda: ember.chunk(ember.zeros(5), 0), ("chunk", "0")),
        (lambda: ember.narrow(ember.zeros(4, 5), 1, 3, 3), ("narrow", "(4, 5)")),
        (lambda: ember.narrow(ember.zeros(4), 0, -5, 1), ("narrow", "-5")),
        (lambda: ember.flip(ember.zeros(2, 3), (0, 0)), ("flip", "more than once")),
        (lambda: ember.roll(ember.zeros(2, 3), (1, 2)), ("roll", "(1, 2)")),
        (lambda: ember.roll(ember.zeros(2, 3), (1, 2), 0), ("roll", "same length")),
        (lambda: ember.movedim(ember.zeros(2, 3, 4), (0, 1), (1, 1)), ("movedim", "(1, 1)")),
        (lambda: ember.movedim(ember.zeros(2, 3, 4), (0, 1), 2), ("movedim", "length")),
        (lambda: ember.zeros(2, 3).repeat(2), ("repeat", "(2, 3)")),
        (lambda: pad(ember.zeros(2, 3), (1,)), ("pad", "(1,)")),
        (lambda: pad(ember.zeros(2, 3), (1, 1, 1, 1, 1, 1)), ("pad", "(2, 3)")),
        (lambda: pad(ember.zeros(2, 3), (-2, -2)), ("pad", "(2, 3)")),
        (lambda: pad(ember.zeros(2, 3), (3, 0), mode="reflect"), ("pad", "reflect", "size 3")),
        (lambda: pad(ember.zeros(2, 3), (4, 0), mode="circular"), ("pad", "circular")),
        (lambda: pad(ember.zeros(3), (1, 1), mode="replicate"), ("pad", "(3,)")),
        (lambda: pad(ember.zeros(2, 3), (1,), mode="reflect"), ("pad", "2, 4 or 6")),
        (lambda: ember.zeros(3).mT, ("mT", "(3,)")),
        (lambda: ember.reshape(ember.zeros(2, 3), (4, -1)), ("reshape", "(4, -1)")),
    ],
)
def test_bad_shapes_name_the_op_shapes_and_caller(call, needles):
    _raises(call, *needles)


def test_bad_arguments_are_type_and_value_errors():
    _raises(lambda: ember.cat(ember.zeros(2)), "cat", "Tensor", error=TypeError)
    _raises(lambda: ember.cat([ember.zeros(2), [1.0]]), "cat", "list", error=TypeError)
    _raises(lambda: ember.squeeze(ember.zeros(1), "0"), "squeeze", "str", error=TypeError)
    _raises(lambda: pad(ember.zeros(2, 3), (1, 1), mode="wrap"), "pad", "'wrap'", error=ValueError)
    _raises(
        lambda: pad(ember.zeros(2, 3), (1, 1), mode="reflect", value=1.0),
        "pad",
        "value",
        error=ValueError,
    )


def test_views_share_memory_like_torch():
    x = ember.arange(12.0).reshape(3, 4)
    assert np.shares_memory(x.reshape(4, 3).data, x.data)
    assert np.shares_memory(x.narrow(1, 1, 2).data, x.data)
    assert np.shares_memory(x.transpose(0, 1).data, x.data)
    assert all(np.shares_memory(t.data, x.data) for t in x.split(2, dim=1))
    assert all(np.shares_memory(t.data, x.data) for t in x.unbind(0))
    # PyTorch copies for these, and in-place updates of the result must not reach x.
    for copy in (x.flip(0), x.roll(1, 0), x.repeat(1, 1), x.tile((1,)), ember.cat([x])):
        assert not np.shares_memory(copy.data, x.data)


def test_aliases_and_methods():
    assert ember.concat is ember.cat and ember.concatenate is ember.cat
    assert ember.swapdims is ember.transpose and ember.moveaxis is ember.movedim
    x = ember.arange(24.0).reshape(2, 3, 4)
    t = torch.arange(24.0).reshape(2, 3, 4)
    pairs = [
        (x.swapdims(0, 2), t.swapdims(0, 2)),
        (x.moveaxis(0, -1), t.moveaxis(0, -1)),
        (x.view_as(ember.zeros(6, 4)), t.view_as(torch.zeros(6, 4))),
        (x.reshape_as(ember.zeros(4, 6)), t.reshape_as(torch.zeros(4, 6))),
        (x.flip((0, 1)), t.flip((0, 1))),
        (x.tile((2, 1)), t.tile((2, 1))),
        (x.mT, t.mT),
        (x.narrow(0, 1, 1).squeeze(0).T, t[1].T),
        (ember.concat([x, x], dim=1), torch.concat([t, t], dim=1)),
        (ember.concatenate([x, x], 2), torch.concatenate([t, t], 2)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_T_reverses_dims_and_keeps_vectors():
    x = ember.zeros(2, 3, 4)
    assert x.T.shape == (4, 3, 2)
    v = ember.zeros(3)
    assert v.T is v


def test_empty_edge_cases_match_torch():
    assert ember.cat([ember.zeros(0), ember.zeros(0)]).shape == (0,)
    assert ember.cat([ember.zeros(0, dtype=ember.int64), ember.zeros(2, 3)]).dtype == ember.float32
    assert [t.shape for t in ember.chunk(ember.zeros(0, 2), 3)] == [(0, 2)] * 3
    assert [t.shape for t in ember.split(ember.zeros(0), 2)] == [(0,)]
    assert ember.zeros(2, 3).repeat(0, 1).shape == (0, 3)
    assert ember.flatten(ember.tensor(1.0)).shape == (1,)
    assert ember.squeeze(ember.tensor(1.0), 0).shape == ()


def test_gradient_flows_through_empty_cat_inputs():
    empty = ember.zeros(0, dtype=ember.float64, requires_grad=True)
    x = ember.ones(2, 2, dtype=ember.float64, requires_grad=True)
    ember.cat([empty, x, empty], dim=1).sum().backward()
    assert empty.grad.shape == (0,)
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2)))


def test_constant_pad_casts_value_to_integer_dtype_like_torch():
    x = ember.tensor([[1, 2]])
    assert pad(x, (1, 1), value=2.5).tolist() == [[2, 1, 2, 2]]
