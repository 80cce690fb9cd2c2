"""ember.save / ember.load: safetensors round trips, PyTorch interchange, bad files and
atomic writes."""

import os

import numpy as np
import pytest
import safetensors
import safetensors.torch
import torch

import ember
from ember import nn
from ember.io import CheckpointError
from ember.io import checkpoint as checkpoint_module

DTYPES = [
    ember.bool_,
    ember.uint8,
    ember.int8,
    ember.int16,
    ember.int32,
    ember.int64,
    ember.float16,
    ember.float32,
    ember.float64,
]


class Tiny(nn.Module):
    """A hand-built two-layer model (layers are not this file's concern)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Module()
        self.fc.weight = nn.Parameter(ember.zeros(3, 4))
        self.fc.bias = nn.Parameter(ember.zeros(3))
        self.norm = nn.Module()
        self.norm.register_buffer("running_mean", ember.zeros(3))
        self.norm.register_buffer("running_var", ember.ones(3))
        self.norm.register_buffer("num_batches_tracked", ember.tensor(0))


class TorchTiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.norm = torch.nn.BatchNorm1d(3, affine=False)


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_round_trip_of_every_dtype(tmp_path, dtype):
    rng = np.random.default_rng(0)
    values = {
        "matrix": (rng.standard_normal((3, 4)) * 50).astype(dtype.np),
        "scalar": np.array(7, dtype=dtype.np),
        "empty": np.zeros((0, 2), dtype=dtype.np),
        "transposed": (rng.standard_normal((4, 5)) * 50).astype(dtype.np).T,
    }
    path = tmp_path / "t.safetensors"
    ember.save({k: ember.from_numpy(v) for k, v in values.items()}, path)
    loaded = ember.load(path)
    assert list(loaded) == sorted(values)
    for key, array in values.items():
        assert loaded[key].dtype is dtype and loaded[key].shape == array.shape
        np.testing.assert_array_equal(loaded[key].numpy(), array)
    loaded["matrix"].add_(1) if dtype.is_floating_point else None
    assert leftovers(tmp_path) == []


def test_save_takes_state_dicts_parameters_arrays_and_metadata(tmp_path):
    model = Tiny()
    model.fc.weight.data[...] = 2.0
    path = str(tmp_path / "m.safetensors")
    ember.save(model.state_dict(keep_vars=True), path, metadata={"epoch": "3"})
    with safetensors.safe_open(path, framework="np") as f:
        assert f.metadata() == {"epoch": "3"}
    assert set(ember.load(path)) == set(model.state_dict())
    ember.save({"a": np.ones(2)}, tmp_path / "a.safetensors")
    assert ember.load(tmp_path / "a.safetensors", map_location="cpu")["a"].dtype is ember.float64


def test_torch_checkpoint_loads_into_an_ember_module(tmp_path):
    torch.manual_seed(0)
    theirs = TorchTiny()
    theirs.norm.running_mean.fill_(0.5)
    theirs.norm.num_batches_tracked.fill_(4)
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), str(path))
    ours = Tiny()
    assert repr(ours.load_state_dict(ember.load(path))) == "<All keys matched successfully>"
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy())


def test_ember_checkpoint_loads_into_torch(tmp_path):
    ours = Tiny()
    ours.fc.weight.data[...] = np.arange(12).reshape(3, 4)
    ours.norm.num_batches_tracked.data[...] = 9
    path = tmp_path / "ember.safetensors"
    ember.save(ours.state_dict(), path)
    theirs = TorchTiny()
    theirs.load_state_dict(safetensors.torch.load_file(str(path)))
    assert theirs.fc.weight[2, 3].item() == 11.0 and theirs.norm.num_batches_tracked.item() == 9


def assert_clear_error(path, *fragments):
    with pytest.raises(CheckpointError) as err:
        ember.load(path)
    message = str(err.value)
    assert str(path) in message and "(called from test_safetensors.py:" in message
    for fragment in fragments:
        assert fragment in message
    # No traceback from inside the safetensors package is chained to it.
    error = err.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return message


def test_truncated_files_give_clear_errors(tmp_path):
    path = tmp_path / "t.safetensors"
    ember.save({"w": ember.ones(100, 100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:-1000])
    assert_clear_error(path, "truncated file")
    path.write_bytes(data[:20])
    assert_clear_error(path, "truncated")
    path.write_bytes(data[:5])
    assert_clear_error(path, "only 5 bytes")
    path.write_bytes(b"")
    assert_clear_error(path, "only 0 bytes")


def test_corrupt_files_give_clear_errors(tmp_path):
    path = tmp_path / "c.safetensors"
    ember.save({"w": ember.ones(4)}, path)
    data = bytearray(path.read_bytes())
    header_end = 8 + int.from_bytes(data[:8], "little")
    broken = bytes(data[:9]) + b"#" + bytes(data[10:])
    path.write_bytes(broken)
    assert_clear_error(path, "not valid JSON")
    path.write_bytes(b"\x04\x00\x00\x00\x00\x00\x00\x00[1]  ")
    assert_clear_error(path, "not a JSON object")
    overlapping = bytes(data).replace(b"[0,16]", b"[0,12]")
    path.write_bytes(overlapping[:header_end] + bytes(data[header_end:]))
    assert_clear_error(path, "not a valid safetensors file")
    path.write_bytes(b"PK\x03\x04 this is a zip archive, such as a pickled torch.save file")
    assert_clear_error(path, "not a valid safetensors file")


def test_unsupported_dtype_is_named(tmp_path):
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.zeros(2, dtype=torch.bfloat16)}, str(path))
    assert_clear_error(path, "w (BF16)", "does not support")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.safetensors"):
        ember.load(tmp_path / "nothing.safetensors")
    with pytest.raises(FileNotFoundError, match="cannot write"):
        ember.save({"w": ember.ones(1)}, tmp_path / "no" / "dir.safetensors")
    with pytest.raises(ValueError, match="map_location"):
        ember.load(tmp_path / "x", map_location="cuda")


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_interrupted_save_leaves_the_previous_file_and_no_temporaries(
    tmp_path, monkeypatch, failing
):
    path = tmp_path / "model.safetensors"
    ember.save({"w": ember.ones(3)}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt if failing == "write" else OSError("disk full")

    if failing == "write":
        monkeypatch.setattr(checkpoint_module.os, "fdopen", lambda fd, mode: _Failing(fd))
    else:
        monkeypatch.setattr(checkpoint_module.os, failing, boom)
    with pytest.raises((OSError, KeyboardInterrupt)):
        ember.save({"w": ember.zeros(3), "extra": ember.zeros(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []
    assert ember.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


class _Failing:
    """A file that dies halfway through writing."""

    def __init__(self, fd):
        self.file = open(fd, "wb")  # noqa: SIM115 - closed in __exit__

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def write(self, data):
        self.file.write(data[: len(data) // 2])
        raise KeyboardInterrupt


def test_save_refuses_what_it_cannot_store(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="never pickled objects"):
        ember.save(Tiny(), path)
    with pytest.raises(TypeError, match="keys must be strings"):
        ember.save({1: ember.ones(1)}, path)
    with pytest.raises(TypeError, match="'w' must be a tensor"):
        ember.save({"w": [1.0, 2.0]}, path)
    with pytest.raises(TypeError, match="metadata"):
        ember.save({"w": ember.ones(1)}, path, metadata={"epoch": 3})
    assert not path.exists() and leftovers(tmp_path) == []
