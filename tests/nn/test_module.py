"""Module and Parameter against torch.nn: registration, traversal order, state dicts,
modes, dtype conversion, hooks, reprs, and the errors that name a module's path."""

import copy
import re
import types

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import DTypeError, ShapeError, StateDictError
from ember.nn.module import _CALLS


def define(lib_nn, lib):
    """The same small module classes written against ``torch.nn`` or ``ember.nn``."""

    class Dense(lib_nn.Module):
        def __init__(self, in_features, out_features, bias=True):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            self.weight = lib_nn.Parameter(lib.ones(out_features, in_features))
            if bias:
                self.bias = lib_nn.Parameter(lib.zeros(out_features))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            if x.shape[-1] != self.in_features:
                raise self._input_error(
                    f"got input of shape {tuple(x.shape)}: the last dimension must be "
                    f"{self.in_features}"
                )
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return (
                f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}"
            )

    class Norm(lib_nn.Module):
        def __init__(self, features):
            super().__init__()
            self.register_buffer("running_mean", lib.zeros(features))
            self.register_buffer("scratch", lib.zeros(features), persistent=False)
            self.register_buffer("num_batches_tracked", lib.tensor(0))
            self.weight = lib_nn.Parameter(lib.ones(features))

        def forward(self, x):
            return x * self.weight

    class Act(lib_nn.Module):
        def forward(self, x):
            return x

    class Block(lib_nn.Module):
        def __init__(self, features):
            super().__init__()
            self.fc = Dense(features, features)
            self.norm = Norm(features)
            self.act = Act()

        def forward(self, x):
            return self.act(self.norm(self.fc(x)))

    class Net(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = Dense(4, 8)
            self.blocks = lib_nn.Sequential(Block(8), Block(8))
            self.heads = lib_nn.ModuleDict({"a": Dense(8, 2), "b": Dense(8, 3, bias=False)})
            self.extra = lib_nn.ModuleList([Act(), Act(), Act(), Dense(2, 2)])
            # Assigned after the children, listed before them in state_dict (own first).
            self.scale = lib_nn.Parameter(lib.ones(1))
            self.register_buffer("step", lib.zeros(()))
            self.params = lib_nn.ParameterList([lib.zeros(2), lib_nn.Parameter(lib.ones(3, 2))])

        def forward(self, x):
            return self.heads["a"](self.blocks(self.stem(x))) * self.scale

    return types.SimpleNamespace(Dense=Dense, Norm=Norm, Act=Act, Block=Block, Net=Net)


E = define(nn, ember)
T = define(torch.nn, torch)


def torch_repr(module):
    return repr(module).replace("torch.", "ember.")


def shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


# ----------------------------------------------------------------- Parameter
def test_parameter_is_a_tensor_leaf_that_shares_memory():
    t = ember.zeros(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    assert p.data is t.data
    assert repr(p) == repr(torch.nn.Parameter(torch.zeros(2, 3)))
    assert nn.Parameter().shape == (0,) and nn.Parameter().dtype is ember.float32
    assert not nn.Parameter(ember.zeros(2), requires_grad=False).requires_grad


def test_parameter_works_with_every_kind_of_op_and_accumulates_grad():
    w = nn.Parameter(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    b = nn.Parameter(ember.tensor([0.5, -0.5]))
    x = ember.tensor([[1.0, 1.0]])
    for _ in range(2):
        out = (x @ w + b).relu().sum() + (w * ember.ones(2, 2)).mean()
        assert type(out) is ember.Tensor
        out.backward()
    tw = torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tb = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
    for _ in range(2):
        ((torch.ones(1, 2) @ tw + tb).relu().sum() + tw.mean()).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())
    assert type(w.grad) is ember.Tensor


def test_parameter_refuses_non_tensors_and_integer_grads():
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(DTypeError, match="floating point"):
        nn.Parameter(ember.tensor([1, 2]))
    assert nn.Parameter(ember.tensor([1, 2]), requires_grad=False).dtype is ember.int64


def test_parameter_deepcopy_owns_its_data():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.ones(2)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q.grad is None
    assert q.data is not p.data and q.tolist() == [1.0, 1.0]


# -------------------------------------------------------------- registration
def test_attributes_register_in_the_right_dict_and_move_on_reassignment():
    m = nn.Module()
    m.a = nn.Module()
    assert list(m._modules) == ["a"] and "a" not in m.__dict__
    m.a = nn.Parameter(ember.zeros(1))
    assert "a" not in m._modules and list(m._parameters) == ["a"]
    m.plain = 3
    m.plain = nn.Module()
    assert "plain" not in m.__dict__ and "plain" in m._modules
    m.register_buffer("buf", ember.zeros(2))
    m.buf = ember.ones(2)
    assert m._buffers["buf"].tolist() == [1.0, 1.0]
    m.buf = nn.Parameter(ember.zeros(1))
    assert "buf" not in m._buffers and "buf" in m._parameters
    m.a = None
    assert m._parameters["a"] is None and m.a is None
    m.value = 3
    assert m.value == 3 and "value" in m.__dict__


def test_registration_errors_match_torch():
    for lib_nn, lib in ((nn, ember), (torch.nn, torch)):
        m = lib_nn.Module()
        m.w = lib_nn.Parameter(lib.zeros(1))
        m.child = lib_nn.Module()
        m.register_buffer("b", lib.zeros(1))
        with pytest.raises(TypeError, match=r"cannot assign .* as parameter 'w'"):
            m.w = lib.zeros(1)
        with pytest.raises(TypeError, match=r"cannot assign .* as child module 'child'"):
            m.child = 3
        with pytest.raises(TypeError, match=r"cannot assign .* as buffer 'b'"):
            m.b = 3
        with pytest.raises(KeyError, match="contain"):
            m.register_buffer("a.b", lib.zeros(1))
        with pytest.raises(KeyError, match="empty"):
            m.register_parameter("", None)
        with pytest.raises(KeyError, match="attribute 'w' already exists"):
            m.register_buffer("w", lib.zeros(1))
        with pytest.raises(TypeError, match="is not a Module subclass"):
            m.add_module("x", 3)
        with pytest.raises(TypeError, match="parameter name should be a string"):
            m.register_parameter(1, None)
        with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
            _ = m.nope
    non_leaf = ember.ones(1, requires_grad=True) * 2
    with pytest.raises(TypeError, match=r"ember\.Tensor"):
        nn.Module().register_parameter("w", non_leaf)


def test_assigning_before_init_is_an_error():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module\.__init__"):
        Early()


def test_delattr_and_dir():
    m = E.Norm(2)
    assert {"weight", "running_mean", "scratch"} <= set(dir(m))
    del m.scratch
    del m.weight
    assert "scratch" not in m._non_persistent_buffers_set and "weight" not in m._parameters
    m.flag = True
    del m.flag
    assert not hasattr(m, "flag")


# ----------------------------------------------------------------- traversal
def test_tree_matches_torch_names_order_and_repr():
    e, t = E.Net(), T.Net()
    assert repr(e) == torch_repr(t)
    assert shapes(e.state_dict()) == shapes(t.state_dict())
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_parameters(prefix="net", recurse=True)] == [
        n for n, _ in t.named_parameters(prefix="net", recurse=True)
    ]
    assert [n for n, _ in e.named_modules(prefix="root")] == [
        n for n, _ in t.named_modules(prefix="root")
    ]
    assert [n for n, _ in e.named_parameters(recurse=False)] == ["scale"]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.buffers())) == len(list(t.buffers()))


def test_state_dict_values_are_detached_and_share_memory():
    m = E.Dense(2, 3)
    state = m.state_dict()
    assert type(state).__name__ == "OrderedDict"
    assert type(state["weight"]) is ember.Tensor and not state["weight"].requires_grad
    assert state["weight"].data is m.weight.data
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert list(m.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def shared_names(lib_nn, ns):
    shared = ns.Dense(2, 2)
    m = lib_nn.Sequential(shared, ns.Act(), shared)
    m[1].w = m[0].weight
    return (
        [n for n, _ in m.named_modules()],
        [n for n, _ in m.named_modules(remove_duplicate=False)],
        [n for n, _ in m.named_parameters()],
        [n for n, _ in m.named_parameters(remove_duplicate=False)],
        [n for n, _ in m.named_children()],
        list(m.state_dict()),
    )


def test_shared_modules_and_parameters_like_torch():
    assert shared_names(nn, E) == shared_names(torch.nn, T)


def test_get_submodule_parameter_and_buffer():
    e, t = E.Net(), T.Net()
    assert e.get_submodule("blocks.1.fc") is e.blocks[1].fc
    assert e.get_submodule("") is e
    assert e.get_parameter("blocks.0.norm.weight") is e.blocks[0].norm.weight
    assert e.get_buffer("blocks.0.norm.running_mean") is e.blocks[0].norm.running_mean
    for target, method in [
        ("blocks.7", "get_submodule"),
        ("stem.in_features", "get_submodule"),
        ("stem.nope", "get_parameter"),
        ("stem.in_features", "get_parameter"),
        ("stem.weight", "get_buffer"),
    ]:
        with pytest.raises(AttributeError) as theirs:
            getattr(t, method)(target)
        with pytest.raises(AttributeError) as ours:
            getattr(e, method)(target)
        assert str(ours.value) == str(theirs.value)


# --------------------------------------------------------------- state dicts
def test_load_state_dict_copies_in_place_from_tensors_arrays_and_torch():
    e, t = E.Net(), T.Net()
    with torch.no_grad():
        for p in t.parameters():
            p.normal_()
    weight = e.stem.weight
    result = e.load_state_dict(t.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result == t.load_state_dict(t.state_dict())
    assert e.stem.weight is weight and e.stem.weight.requires_grad
    for (k, ours), theirs in zip(e.state_dict().items(), t.state_dict().values(), strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=k)
    arrays = {k: v.numpy().astype(np.float64) for k, v in t.state_dict().items()}
    arrays["blocks.0.norm.num_batches_tracked"] = np.array(5)
    E.Net().load_state_dict(arrays)
    fresh = E.Net()
    fresh.load_state_dict(e.state_dict())
    assert fresh.stem.weight.dtype is ember.float32
    np.testing.assert_allclose(fresh.stem.weight.detach().numpy(), e.stem.weight.detach().numpy())


def normalized_torch_error(module, state, strict=True):
    with pytest.raises(RuntimeError) as err:
        module.load_state_dict(state, strict=strict)
    return re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", str(err.value)).replace(",)", ")")


def test_load_state_dict_errors_match_torch():
    e, t = E.Net(), T.Net()
    state = {k: v.clone() for k, v in t.state_dict().items()}
    del state["stem.bias"], state["blocks.1.norm.running_mean"]
    state["stem.extra"] = torch.zeros(1)
    state["nowhere.weight"] = torch.zeros(1)
    state["heads.a.weight"] = torch.zeros(3, 4)
    expected = normalized_torch_error(t, state)
    with pytest.raises(StateDictError) as err:
        e.load_state_dict(state)
    assert str(err.value) == expected
    assert str(err.value).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s)")
    assert "size mismatch for heads.a.weight: copying a param with shape (3, 4) from " in expected
    assert isinstance(err.value, RuntimeError)
    # Non-strict still refuses shape mismatches, as torch does.
    with pytest.raises(StateDictError) as err:
        e.load_state_dict(state, strict=False)
    assert str(err.value) == normalized_torch_error(t, state, strict=False)


def test_load_state_dict_non_strict_reports_keys_and_failed_loads_change_nothing():
    e, t = E.Net(), T.Net()
    state = {k: v.clone() + 1 for k, v in t.state_dict().items()}
    del state["stem.bias"]
    state["extra_key"] = torch.zeros(1)
    assert tuple(e.load_state_dict(state, strict=False)) == tuple(
        t.load_state_dict(state, strict=False)
    )
    assert e.stem.weight.tolist()[0][0] == 2.0
    before = e.stem.weight.tolist()
    state["stem.weight"] = torch.full((8, 4), 7.0)
    state["heads.a.bias"] = torch.zeros(5)
    with pytest.raises(StateDictError):
        e.load_state_dict(state, strict=False)
    assert e.stem.weight.tolist() == before
    with pytest.raises(StateDictError, match=r'named "stem\.weight", expected a Tensor or array'):
        e.load_state_dict({**state, "stem.weight": "oops", "heads.a.bias": torch.zeros(2)})
    with pytest.raises(TypeError, match="dict-like"):
        e.load_state_dict([1, 2])


def test_load_state_dict_assign_replaces_tensors():
    m = E.Norm(2)
    old = m.weight
    m.load_state_dict(
        {
            "weight": ember.tensor([3.0, 4.0], dtype=ember.float64),
            "running_mean": ember.ones(2),
            "num_batches_tracked": ember.tensor(2),
        },
        assign=True,
    )
    assert m.weight is not old and isinstance(m.weight, nn.Parameter)
    assert m.weight.dtype is ember.float64 and m.weight.requires_grad
    assert m.num_batches_tracked.item() == 2


# --------------------------------------------------------------------- modes
def test_train_eval_requires_grad_and_zero_grad():
    m = E.Net()
    assert m.training and m.blocks[1].act.training
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    m(ember.ones(2, 4)).sum().backward()
    assert all(p.grad is not None for p in m.heads.a.parameters())
    m.zero_grad(set_to_none=False)
    assert m.stem.weight.grad.abs().sum().item() == 0
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_first_like_torch():
    seen = {}
    for lib_nn, ns in ((nn, E), (torch.nn, T)):
        order = []
        ns.Net().apply(lambda module, order=order: order.append(type(module).__name__))
        seen[lib_nn] = order
    assert seen[nn] == seen[torch.nn]


def test_to_and_double_keep_parameter_identity_and_convert_grads_and_buffers():
    m = E.Net()
    weight = m.stem.weight
    m(ember.ones(1, 4)).sum().backward()
    assert m.double() is m
    assert m.stem.weight is weight and weight.dtype is ember.float64
    assert weight.grad.dtype is ember.float64
    assert m.blocks[0].norm.running_mean.dtype is ember.float64
    assert m.blocks[0].norm.num_batches_tracked.dtype is ember.int64
    assert m.to(ember.float32).stem.weight.dtype is ember.float32
    assert m.to("cpu", dtype="float64").stem.weight.dtype is ember.float64
    assert m.to(ember.zeros(1)).stem.weight.dtype is ember.float32
    assert m.half().stem.weight.dtype is ember.float16
    assert m.float().cpu().stem.weight.dtype is ember.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(ember.int64)
    with pytest.raises(ValueError, match="cuda"):
        m.to("cuda")


def test_deepcopy_gives_an_independent_model():
    m = E.Net()
    clone = copy.deepcopy(m)
    clone.stem.weight.data[...] = 5
    assert m.stem.weight.tolist()[0][0] == 1.0
    assert isinstance(clone.stem.weight, nn.Parameter)
    assert list(clone.state_dict()) == list(m.state_dict())


# --------------------------------------------------------------------- hooks
def run_with_hooks(lib_nn, lib, ns):
    calls = []
    m = ns.Dense(2, 2)
    handles = [
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre1")),
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True),
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,)),
        m.register_forward_hook(lambda mod, args, out: calls.append("post1")),
        m.register_forward_hook(lambda mod, args, out: out + 1),
        m.register_forward_hook(lambda mod, args, out: calls.append("post0"), prepend=True),
    ]
    out = m(lib.ones(1, 2))
    handles[2].remove()
    handles[4].remove()
    plain = m(lib.ones(1, 2))
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] * 0,), kwargs), with_kwargs=True
    )
    m.register_forward_hook(
        lambda mod, args, kwargs, out: calls.append(("kw", sorted(kwargs))), with_kwargs=True
    )
    zeroed = m(lib.ones(1, 2))
    return calls, out.tolist(), plain.tolist(), zeroed.tolist()


def test_hooks_order_and_results_match_torch():
    assert run_with_hooks(nn, ember, E) == run_with_hooks(torch.nn, torch, T)


def test_pre_hook_may_return_a_single_value_and_hooks_may_remove_themselves():
    m = E.Act()
    m.register_forward_pre_hook(lambda mod, args: args[0] + 10)
    holder = []
    holder.append(m.register_forward_hook(lambda mod, args, out: holder[0].remove()))
    assert m(ember.tensor(1.0)).item() == 11.0
    assert not m._forward_hooks
    with m.register_forward_hook(lambda mod, args, out: out * 0):
        assert m(ember.tensor(1.0)).item() == 0.0
    assert m(ember.tensor(1.0)).item() == 11.0


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


# ----------------------------------------------------------------- messages
def test_input_error_names_module_path_and_caller_line():
    model = E.Net()
    model.blocks[1].fc.in_features = 5
    with pytest.raises(ShapeError) as err:
        model(ember.ones(3, 4))
    message = str(err.value)
    assert message.startswith(
        "Dense(in_features=5, out_features=8, bias=True) in model.blocks.1.fc got input of "
        "shape (3, 8): the last dimension must be 5 (called from test_module.py:"
    )
    assert message.count("(in model") == 0


def test_input_error_of_root_module_and_direct_calls():
    fc = E.Dense(3, 2)
    with pytest.raises(ShapeError, match=r"^Dense\(in_features=3.*\) in model got input"):
        fc(ember.ones(2, 4))

    class Caller(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(E.Block(4))
            self.loose = [E.Dense(4, 4)]

        def forward(self, x, how):
            if how == "grandchild":
                return self.layers[0].fc(x)
            if how == "forward":
                return self.layers.forward(x)
            return self.loose[0](x)

    m = Caller()
    x = ember.ones(1, 3)
    with pytest.raises(ShapeError, match=r"in model\.layers\.0\.fc got input"):
        m(x, "grandchild")
    with pytest.raises(ShapeError, match=r"in model\.layers\.0\.fc got input"):
        m(x, "forward")
    with pytest.raises(ShapeError, match=r"in model\.<unregistered Dense> got input"):
        m(x, "unregistered")


def test_op_errors_get_the_innermost_module_once():
    class Broken(nn.Module):
        def forward(self, x):
            return x @ ember.ones(5, 5)

    model = nn.Sequential(E.Act(), nn.Sequential(E.Act(), Broken()))
    with pytest.raises(ShapeError) as err:
        model(ember.ones(2, 3))
    message = str(err.value)
    assert message.startswith("matmul: shapes (2, 3) and (5, 5)")
    assert "(called from test_module.py:" in message
    assert message.endswith(" (in model.1.1: Broken())")
    assert message.count("(in model") == 1
    assert err.value.__suppress_context__ and err.value.__cause__ is None

    class WrongDtype(nn.Module):
        def forward(self, x):
            return x & x

    with pytest.raises(DTypeError, match=r"bitwise_and.*\(in model\.0: WrongDtype\(\)\)$"):
        nn.Sequential(WrongDtype())(ember.ones(2))


def test_other_exceptions_pass_through_untouched():
    class Fails(nn.Module):
        def forward(self, x):
            raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        nn.Sequential(Fails())(1)
    # The call stack is unwound after errors.
    assert _CALLS.modules == []
