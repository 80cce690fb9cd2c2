"""Containers against torch.nn: indexing, mutation, state_dict keys and reprs."""

from collections import OrderedDict

import pytest
import torch

import ember
from ember import nn
from tests.nn.test_module import E, T, torch_repr


def keys(module):
    return list(module.state_dict())


def layers(ns, n=4):
    return [ns.Dense(i + 1, i + 2) for i in range(n)]


def sequential_story(lib_nn, ns):
    """Mutate a Sequential step by step; record keys, lengths and reprs after each step."""
    seq = lib_nn.Sequential(*layers(ns))
    out = [keys(seq), len(seq), repr(seq[-1]), [type(m).__name__ for m in seq]]
    out.append(keys(seq[1:3]))
    out.append(keys(seq[::-2]))
    seq.append(ns.Act())
    seq.insert(1, ns.Dense(9, 9))
    seq.insert(-1, ns.Dense(7, 7))
    out.append(keys(seq))
    seq[0] = ns.Dense(5, 5)
    seq[-2] = ns.Act()
    out.append(repr(seq))
    del seq[2]
    del seq[1:3]
    out.append(keys(seq))
    popped = seq.pop(0)
    out.append((repr(popped), keys(seq)))
    seq.extend(lib_nn.Sequential(ns.Dense(3, 3)))
    out.append(keys(seq + lib_nn.Sequential(ns.Act(), ns.Dense(1, 1))))
    out.append(keys(seq * 2))
    out.append(keys(2 * seq))
    seq += lib_nn.Sequential(ns.Dense(2, 2))
    out.append(keys(seq))
    named = lib_nn.Sequential(OrderedDict([("conv", ns.Dense(1, 1)), ("act", ns.Act())]))
    out.append((keys(named), repr(named), keys(named[1:]), keys(named[:1])))
    out.append("0" in dir(seq))
    return out


def test_sequential_matches_torch():
    ours = sequential_story(nn, E)
    theirs = sequential_story(torch.nn, T)
    assert ours == [x if not isinstance(x, str) else x.replace("torch.", "ember.") for x in theirs]


def test_sequential_runs_its_modules_in_order_and_errors():
    seq = nn.Sequential(E.Dense(2, 3), E.Dense(3, 1))
    assert seq(ember.ones(4, 2)).shape == (4, 1)
    with pytest.raises(IndexError, match="index 2 is out of range"):
        seq[2]
    with pytest.raises(IndexError, match="index -3 is out of range"):
        seq[-3] = E.Act()
    with pytest.raises(IndexError, match="Index out of range: 5"):
        seq.insert(5, E.Act())
    with pytest.raises(TypeError, match="Module"):
        seq.insert(0, 3)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        nn.Sequential(E.Act(), 3)
    with pytest.raises(ValueError, match="only objects of Sequential"):
        seq + nn.ModuleList([E.Act()])
    with pytest.raises(ValueError, match="Non-positive"):
        seq * 0


def module_list_story(lib_nn, ns):
    ml = lib_nn.ModuleList(layers(ns, 3))
    out = [keys(ml), len(ml), repr(ml[-1]), keys(ml[1:])]
    ml.append(ns.Act())
    ml.extend([ns.Act(), ns.Act()])
    ml.insert(0, ns.Dense(8, 8))
    ml.insert(2, ns.Act())
    out.append(repr(ml))
    ml[1] = ns.Dense(6, 6)
    del ml[-1]
    del ml[::3]
    out.append((keys(ml), repr(ml)))
    out.append(repr(ml.pop(1)))
    ml += [ns.Dense(1, 1)]
    out.append(keys(ml + lib_nn.ModuleList([ns.Act()])))
    out.append(repr(lib_nn.ModuleList()))
    out.append(repr(lib_nn.ModuleList([ns.Block(2), ns.Block(2), ns.Act(), ns.Act()])))
    holder = lib_nn.Module()
    holder.layers = lib_nn.ModuleList([ns.Dense(2, 2), ns.Dense(2, 3)])
    out.append((keys(holder), repr(holder)))
    return out


def test_module_list_matches_torch_including_repeated_block_repr():
    assert module_list_story(nn, E) == module_list_story(torch.nn, T)


def test_module_list_errors_and_negative_insert():
    ml = nn.ModuleList([E.Act()])
    with pytest.raises(IndexError, match="index 1 is out of range"):
        ml[1]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(3)
    ml.insert(-1, E.Dense(1, 1))
    assert [type(m).__name__ for m in ml] == ["Dense", "Act"]
    with pytest.raises(NotImplementedError):
        ml(1)


def module_dict_story(lib_nn, ns):
    md = lib_nn.ModuleDict({"b": ns.Dense(1, 2), "a": ns.Act()})
    md["c"] = ns.Dense(2, 2)
    md.update([("d", ns.Dense(3, 3)), ("b", ns.Dense(4, 4))])
    md.update(OrderedDict(e=ns.Act()))
    out = [keys(md), list(md), list(md.keys()), "a" in md, len(md), repr(md)]
    out.append(repr(md.pop("c")))
    del md["a"]
    out.append([(k, repr(v)) for k, v in md.items()])
    out.append([repr(v) for v in md.values()])
    md.clear()
    out.append((len(md), repr(md)))
    return out


def test_module_dict_matches_torch():
    assert module_dict_story(nn, E) == module_dict_story(torch.nn, T)
    with pytest.raises(TypeError, match="iterable of key/value pairs"):
        nn.ModuleDict(3)
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        nn.ModuleDict([("a",)])


def parameter_list_story(lib_nn, lib):
    pl = lib_nn.ParameterList([lib.zeros(2), lib_nn.Parameter(lib.ones(3, 4))])
    pl.append(lib.zeros(1, dtype=lib.float64))
    pl.extend([lib.ones(5)])
    pl.append("not a tensor")
    out = [keys(pl), len(pl), [type(p).__name__ for p in pl], repr(pl)]
    out.append([n for n, _ in pl.named_parameters()])
    pl[0] = lib.full((2,), 3.0)
    out.append((type(pl[0]).__name__, pl[0].tolist(), pl[-2].tolist()))
    out.append((len(pl[1:3]), keys(pl[1:3])))
    holder = lib_nn.Module()
    holder.params = pl
    out.append(keys(holder))
    return out


def test_parameter_list_matches_torch():
    ours = parameter_list_story(nn, ember)
    theirs = parameter_list_story(torch.nn, torch)
    theirs[3] = theirs[3].replace("torch.", "ember.")
    assert ours == theirs
    with pytest.raises(TypeError, match="iterable"):
        nn.ParameterList().extend(ember.zeros(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        nn.ParameterList()(1)


def parameter_dict_story(lib_nn, lib):
    pd = lib_nn.ParameterDict({"b": lib.zeros(2), "a": lib_nn.Parameter(lib.ones(3))})
    pd["c"] = lib.zeros(1)
    pd.update(OrderedDict(z=lib.ones(1), y=lib.ones(2)))
    pd["obj"] = 5
    out = [keys(pd), list(pd), len(pd), "a" in pd, [type(v).__name__ for v in pd.values()]]
    out.append(pd.get("missing", "default"))
    out.append(pd.setdefault("c", None).tolist())
    out.append(pd.pop("b").tolist())
    out.append(pd.popitem()[0])
    out.append(list(reversed(pd)))
    merged = pd | lib_nn.ParameterDict({"new": lib.zeros(1)})
    out.append(list(merged))
    out.append(list(pd.copy()))
    out.append(list(pd.fromkeys(["p", "q"])))
    pd |= {"w": lib.zeros(1)}
    pd.clear()
    out.append(len(pd))
    return out


def test_parameter_dict_matches_torch():
    assert parameter_dict_story(nn, ember) == parameter_dict_story(torch.nn, torch)
    pd = nn.ParameterDict({"w": ember.zeros(2, 3)})
    assert repr(pd) == "ParameterDict(  (w): Parameter containing: [ember.float32 of size 2x3])"
    with pytest.raises(TypeError, match="not a string"):
        pd[0]
    with pytest.raises(RuntimeError, match="should not be called"):
        pd(1)


def test_containers_nested_in_a_model_give_torch_keys():
    def build(lib_nn, ns):
        model = lib_nn.Module()
        model.features = lib_nn.Sequential(ns.Dense(2, 3), ns.Act(), ns.Block(3))
        model.layers = lib_nn.ModuleList([ns.Dense(3, 3), ns.Norm(3)])
        model.heads = lib_nn.ModuleDict({"cls": ns.Dense(3, 2)})
        return model

    ours, theirs = build(nn, E), build(torch.nn, T)
    assert keys(ours) == keys(theirs)
    assert repr(ours) == torch_repr(theirs)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
