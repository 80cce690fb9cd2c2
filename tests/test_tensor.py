"""The Tensor's attributes, conversions, creation functions and in-place methods."""

import numpy as np
import pytest
import torch

import ember
from ember.errors import DTypeError, GraphError, ShapeError


def test_attributes_match_torch():
    e = ember.zeros(2, 3, 4)
    t = torch.zeros(2, 3, 4)
    assert e.shape == tuple(t.shape) and e.ndim == t.ndim == e.dim()
    assert e.size() == tuple(t.size()) and e.size(-1) == t.size(-1) == 4
    assert e.numel() == t.numel() == 24
    assert e.dtype is ember.float32 and e.device == "cpu"
    assert e.is_leaf and e.grad_fn is None and not e.requires_grad
    assert e.T.shape == tuple(t.permute(2, 1, 0).shape)


def test_conversions():
    x = ember.tensor([[1.5, 2.5]])
    assert x.tolist() == [[1.5, 2.5]]
    assert ember.tensor(3.5).item() == 3.5
    assert x.to(ember.float64).dtype is ember.float64
    assert x.double().dtype is ember.float64 and x.long().dtype is ember.int64
    assert x.float().dtype is ember.float32
    assert x.long().tolist() == [[1, 2]]
    assert isinstance(x.numpy(), np.ndarray)
    with pytest.raises(ShapeError, match="2 elements"):
        x.item()


def test_numpy_refuses_tensors_that_require_grad():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="detach"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_detach_shares_memory_and_clone_copies():
    x = ember.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.data is x.data
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None and c.data is not x.data


def test_repr_like_torch():
    assert repr(ember.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ember.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=ember.float64" in repr(ember.tensor([1.0], dtype=ember.float64))
    assert "requires_grad=True" in repr(ember.ones(1, requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(ember.ones(1, requires_grad=True) * 2)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda m: m.tensor([1, 2]), "int64"),
        (lambda m: m.tensor([1.0, 2]), "float32"),
        (lambda m: m.tensor([True]), "bool"),
        (lambda m: m.zeros(2, 3), "float32"),
        (lambda m: m.ones((2, 3), dtype=m.float64), "float64"),
        (lambda m: m.full((2,), 7), "int64"),
        (lambda m: m.full((2,), 7.0), "float32"),
        (lambda m: m.arange(5), "int64"),
        (lambda m: m.arange(0, 1, 0.25), "float32"),
        (lambda m: m.linspace(0, 1, 5), "float32"),
        (lambda m: m.eye(3), "float32"),
        (lambda m: m.randint(0, 10, (3,)), "int64"),
        (lambda m: m.randperm(5), "int64"),
        (lambda m: m.rand(2, 2), "float32"),
        (lambda m: m.randn(2, 2), "float32"),
    ],
)
def test_creation_dtypes_and_shapes_match_torch(make, expected):
    e, t = make(ember), make(torch)
    assert e.dtype.name == expected == str(t.dtype).replace("torch.", "")
    assert e.shape == tuple(t.shape)


def test_deterministic_creation_values_match_torch():
    for make in [
        lambda m: m.arange(0, 1, 0.25),
        lambda m: m.linspace(-1, 1, 7),
        lambda m: m.eye(3, 4),
        lambda m: m.arange(10, 2, -3),
    ]:
        np.testing.assert_allclose(make(ember).numpy(), make(torch).numpy(), atol=1e-6)


def test_like_functions_keep_shape_and_dtype():
    x = ember.zeros(2, 3, dtype=ember.float64)
    for fn in (
        ember.zeros_like,
        ember.ones_like,
        ember.empty_like,
        ember.rand_like,
        ember.randn_like,
    ):
        y = fn(x)
        assert y.shape == (2, 3) and y.dtype is ember.float64
    assert ember.full_like(x, 4).tolist() == [[4.0] * 3] * 2


def test_manual_seed_reproduces_every_random_op():
    def draw():
        return [
            ember.rand(3).tolist(),
            ember.randn(3).tolist(),
            ember.randint(0, 99, (3,)).tolist(),
            ember.randperm(5).tolist(),
            ember.normal(0.0, 1.0, (3,)).tolist(),
        ]

    ember.manual_seed(7)
    first = draw()
    ember.manual_seed(7)
    assert draw() == first
    assert ember.initial_seed() == 7


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = ember.from_numpy(a)
    a[1] = 5
    assert t.tolist() == [0.0, 5.0, 0.0]
    assert ember.as_tensor(a).data is a
    assert ember.tensor(a).data is not a


def test_requires_grad_only_for_floats():
    with pytest.raises(TypeError, match="floating"):
        ember.tensor([1, 2], requires_grad=True)
    with pytest.raises(DTypeError, match="floating"):
        ember.tensor([1, 2]).requires_grad_()


def test_inplace_ops_update_memory_and_views():
    x = ember.tensor([1.0, 2.0, 3.0])
    view = ember.from_numpy(x.data[1:])
    x.add_(1).mul_(2).sub_(1, alpha=2)
    assert x.tolist() == [2.0, 4.0, 6.0]
    assert view.tolist() == [4.0, 6.0]
    x.clamp_(3, 5)
    assert x.tolist() == [3.0, 4.0, 5.0]
    x.fill_(7)
    assert x.tolist() == [7.0] * 3
    x.copy_(ember.tensor([1, 2, 3]))
    assert x.tolist() == [1.0, 2.0, 3.0] and x.dtype is ember.float32
    x.zero_()
    assert x.tolist() == [0.0] * 3
    x += 2
    assert x.tolist() == [2.0] * 3


def test_inplace_refuses_a_result_that_does_not_fit():
    x = ember.zeros(3)
    with pytest.raises(ShapeError, match=r"add_: .*\(2, 3\).*\(3,\)"):
        x.add_(ember.zeros(2, 3))
    i = ember.tensor([1, 2])
    with pytest.raises(DTypeError, match="can't be cast"):
        i.add_(0.5)


def test_operators_match_torch():
    a = np.array([[1.5, -2.0], [3.0, 4.5]])
    b = np.array([2.0, -3.0])
    ea, eb, ta, tb = ember.tensor(a), ember.tensor(b), torch.tensor(a), torch.tensor(b)
    for op in [
        lambda x, y: x + y,
        lambda x, y: x - y,
        lambda x, y: x * y,
        lambda x, y: x / y,
        lambda x, y: x // y,
        lambda x, y: x % y,
        lambda x, y: abs(x) ** y,
        lambda x, y: -x,
        lambda x, y: 2 - x,
        lambda x, y: 1 / x,
        lambda x, y: 2**y,
        lambda x, y: x < y,
        lambda x, y: x >= y,
        lambda x, y: x == y,
        lambda x, y: x != y,
        lambda x, y: (x > 0) & (y > 0),
        lambda x, y: (x > 0) | (y > 0),
        lambda x, y: ~(x > 0),
        lambda x, y: (x > 0) ^ (y > 0),
    ]:
        np.testing.assert_allclose(op(ea, eb).numpy(), op(ta, tb).numpy())


def test_bool_len_iter_and_index():
    x = ember.tensor([3, 4])
    assert len(x) == 2 and [int(v) for v in x] == [3, 4]
    assert bool(ember.tensor([1.0])) and int(ember.tensor(5)) == 5
    assert [10, 20, 30][ember.tensor(1)] == 20
    with pytest.raises(ShapeError, match="ambiguous"):
        bool(x)
