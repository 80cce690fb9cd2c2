"""The zoo's models against the same architectures written with ``torch.nn``.

Each torch twin is built here; its weights are copied into the Ember model
(state_dict keys must be identical), and in float64 the logits and the
gradient of every parameter after ``cross_entropy(...).backward()`` must agree.
"""

import numpy as np
import pytest
import torch
from torch import nn as tnn

import ember
from ember import zoo
from ember.errors import ShapeError
from ember.nn import functional as F

RTOL = 1e-6
ATOL = 1e-10


# ------------------------------------------------------------------ torch twins
class TorchMLP(tnn.Module):
    def __init__(self, in_features, hidden, num_classes, dropout=0.0):
        super().__init__()
        layers = []
        for size in hidden:
            layers += [tnn.Linear(in_features, size), tnn.ReLU()]
            if dropout > 0:
                layers.append(tnn.Dropout(dropout))
            in_features = size
        self.net = tnn.Sequential(*layers, tnn.Linear(in_features, num_classes))

    def forward(self, x):
        return self.net(x.flatten(1))


class TorchLeNet5(tnn.Module):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.features = tnn.Sequential(
            tnn.Conv2d(in_channels, 6, 5, padding=2),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Conv2d(6, 16, 5),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
        )
        self.classifier = tnn.Sequential(
            tnn.Linear(400, 120),
            tnn.ReLU(),
            tnn.Linear(120, 84),
            tnn.ReLU(),
            tnn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def _torch_downsample(in_planes, out_planes, stride):
    if stride == 1 and in_planes == out_planes:
        return None
    return tnn.Sequential(
        tnn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False), tnn.BatchNorm2d(out_planes)
    )


class TorchBasicBlock(tnn.Module):
    """torchvision's BasicBlock, written out (torchvision is not a dependency)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class TorchResNet(tnn.Module):
    """torchvision's ResNet structure (``small_input`` swaps in a CIFAR stem)."""

    def __init__(self, layers, num_classes=1000, width=64, small_input=False):
        super().__init__()
        if small_input:
            self.conv1 = tnn.Conv2d(3, width, 3, padding=1, bias=False)
        else:
            self.conv1 = tnn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = tnn.BatchNorm2d(width)
        self.relu = tnn.ReLU()
        self.maxpool = tnn.Identity() if small_input else tnn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = width
        for i, blocks in enumerate(layers):
            planes, stride = width * 2**i, 1 if i == 0 else 2
            first = TorchBasicBlock(
                self.inplanes, planes, stride, _torch_downsample(self.inplanes, planes, stride)
            )
            rest = [TorchBasicBlock(planes, planes) for _ in range(1, blocks)]
            setattr(self, f"layer{i + 1}", tnn.Sequential(first, *rest))
            self.inplanes = planes
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(width * 8, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class TorchResNetSmall(tnn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 32, 3, padding=1, bias=False)
        self.bn1 = tnn.BatchNorm2d(32)
        self.relu = tnn.ReLU()
        self.layer1 = tnn.Sequential(
            TorchBasicBlock(32, 64, 2, _torch_downsample(32, 64, 2)),
            TorchBasicBlock(64, 64, 2, _torch_downsample(64, 64, 2)),
        )
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(64, num_classes)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class TorchLSTMLanguageModel(tnn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_size, num_layers, tie_weights=False):
        super().__init__()
        self.embedding = tnn.Embedding(vocab_size, embedding_dim)
        self.dropout = tnn.Dropout(0.0)
        self.lstm = tnn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True)
        self.head = tnn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.head.weight = self.embedding.weight

    def forward(self, tokens, state=None):
        output, state = self.lstm(self.embedding(tokens), state)
        return self.head(output), state


class TorchGPT(tnn.Module):
    def __init__(self, vocab_size, context_length, d_model, n_heads, n_layers):
        super().__init__()
        self.token_embedding = tnn.Embedding(vocab_size, d_model)
        self.position_embedding = tnn.Embedding(context_length, d_model)
        self.dropout = tnn.Dropout(0.0)
        self.blocks = tnn.ModuleList(
            tnn.TransformerEncoderLayer(
                d_model,
                n_heads,
                4 * d_model,
                dropout=0.0,
                activation="gelu",
                batch_first=True,
                norm_first=True,
            )
            for _ in range(n_layers)
        )
        self.norm = tnn.LayerNorm(d_model)
        self.head = tnn.Linear(d_model, vocab_size, bias=False)

    def forward(self, tokens):
        length = tokens.shape[1]
        x = self.token_embedding(tokens) + self.position_embedding(torch.arange(length))
        mask = tnn.Transformer.generate_square_subsequent_mask(length, dtype=x.dtype)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))


# --------------------------------------------------------------------- helpers
def _state(module):
    return [(name, tuple(value.shape)) for name, value in module.state_dict().items()]


def _twin(torch_model, ember_model):
    """Both models in float64, Ember's weights copied from torch's (keys must be identical)."""
    torch_model.double()
    ember_model.double()
    assert _state(ember_model) == _state(torch_model)
    ember_model.load_state_dict(torch_model.state_dict())
    return torch_model, ember_model


def _scramble_batch_norms(torch_model, seed=0):
    """Non-trivial affine parameters and running statistics, so eval mode tests something."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in torch_model.modules():
            if isinstance(module, tnn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(1 + 0.2 * torch.randn(size, generator=gen))
                module.bias.copy_(0.2 * torch.randn(size, generator=gen))
                module.running_mean.copy_(0.1 * torch.randn(size, generator=gen))
                module.running_var.copy_(0.5 + torch.rand(size, generator=gen))


def _close(actual, expected, what):
    np.testing.assert_allclose(
        actual.detach().numpy(), expected.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=what
    )


def _check_logits_and_grads(torch_model, ember_model, x, target, training, logits_of=None):
    """Same logits, loss gradients for every parameter and (in training) BatchNorm statistics."""
    logits_of = logits_of or (lambda model, inputs: model(inputs))
    torch_model.train(training)
    ember_model.train(training)
    torch_logits = logits_of(torch_model, torch.from_numpy(x))
    ember_logits = logits_of(ember_model, ember.tensor(x))
    _close(ember_logits, torch_logits, "logits")

    classes = torch_logits.shape[-1]
    tnn.functional.cross_entropy(
        torch_logits.reshape(-1, classes), torch.from_numpy(target).reshape(-1)
    ).backward()
    F.cross_entropy(ember_logits.reshape(-1, classes), ember.tensor(target).reshape(-1)).backward()

    ember_params = dict(ember_model.named_parameters())
    torch_params = dict(torch_model.named_parameters())
    assert list(ember_params) == list(torch_params)
    for name, param in torch_params.items():
        assert ember_params[name].grad is not None, name
        _close(ember_params[name].grad, param.grad, f"grad of {name}")
    ember_buffers = dict(ember_model.named_buffers())
    for name, buffer in torch_model.named_buffers():
        _close(ember_buffers[name], buffer, f"buffer {name}")


def _images(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.integers(0, 10, shape[0])


# ----------------------------------------------------------------------- tests
def test_mlp_matches_torch():
    torch.manual_seed(0)
    torch_model, ember_model = _twin(
        TorchMLP(12, (16, 8), 10), zoo.MLP(in_features=12, hidden=(16, 8), num_classes=10)
    )
    x, target = _images((4, 3, 4))
    _check_logits_and_grads(torch_model, ember_model, x, target, training=True)


def test_mlp_state_dict_keys_follow_sequential():
    assert list(zoo.MLP().state_dict()) == [
        "net.0.weight",
        "net.0.bias",
        "net.2.weight",
        "net.2.bias",
        "net.4.weight",
        "net.4.bias",
    ]


def test_mlp_with_dropout_matches_torch_in_eval_mode():
    torch.manual_seed(0)
    torch_model, ember_model = _twin(
        TorchMLP(6, (5, 4), 3, dropout=0.5), zoo.MLP(6, (5, 4), 3, dropout=0.5)
    )
    assert "net.3.weight" in ember_model.state_dict()
    x, target = _images((4, 6))
    _check_logits_and_grads(torch_model, ember_model, x, target % 3, training=False)


def test_lenet5_matches_torch():
    torch.manual_seed(0)
    torch_model, ember_model = _twin(TorchLeNet5(), zoo.LeNet5())
    x, target = _images((2, 1, 28, 28))
    _check_logits_and_grads(torch_model, ember_model, x, target, training=True)


def test_lenet5_input_error_names_the_model_and_the_caller():
    with pytest.raises(ShapeError, match=r"LeNet5\(in_channels=1\) in model .*\(2, 1, 32, 32\)"):
        zoo.LeNet5()(ember.zeros(2, 1, 32, 32))
    with pytest.raises(ShapeError, match=r"test_models\.py"):
        zoo.LeNet5()(ember.zeros(2, 3, 28, 28))


@pytest.mark.parametrize("small_input", [False, True], ids=["imagenet_stem", "cifar_stem"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_resnet18_matches_torch(small_input, training):
    torch.manual_seed(0)
    torch_model = TorchResNet([2, 2, 2, 2], num_classes=10, width=8, small_input=small_input)
    _scramble_batch_norms(torch_model)
    torch_model, ember_model = _twin(
        torch_model, zoo.resnet18(num_classes=10, small_input=small_input, width=8)
    )
    x, target = _images((2, 3, 32, 32))
    _check_logits_and_grads(torch_model, ember_model, x, target, training)


def test_resnet18_has_torchvisions_keys_and_shapes():
    expected = _state(TorchResNet([2, 2, 2, 2], num_classes=1000))
    # torchvision's resnet18: 62 parameters and 3 buffers for each of 20 BatchNorms.
    assert len(expected) == 122
    assert expected[:6] == [
        ("conv1.weight", (64, 3, 7, 7)),
        ("bn1.weight", (64,)),
        ("bn1.bias", (64,)),
        ("bn1.running_mean", (64,)),
        ("bn1.running_var", (64,)),
        ("bn1.num_batches_tracked", ()),
    ]
    assert ("layer2.0.downsample.0.weight", (128, 64, 1, 1)) in expected
    assert expected[-2:] == [("fc.weight", (1000, 512)), ("fc.bias", (1000,))]
    assert _state(zoo.resnet18()) == expected


def test_resnet_init_follows_torchvision():
    model = zoo.resnet18(num_classes=10, width=8, zero_init_residual=True)
    conv = model.layer3[0].conv1
    fan_out = conv.weight.shape[0] * 9
    std = float(conv.weight.detach().numpy().std())
    assert abs(std - (2 / fan_out) ** 0.5) < 0.15 * (2 / fan_out) ** 0.5
    assert (model.layer1[0].bn1.weight.detach().numpy() == 1).all()
    assert (model.layer1[0].bn2.weight.detach().numpy() == 0).all()


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_resnet_bench_matches_torch(training):
    torch.manual_seed(0)
    torch_model = TorchResNetSmall()
    _scramble_batch_norms(torch_model)
    torch_model, ember_model = _twin(torch_model, zoo.resnet_bench())
    x, target = _images((2, 3, 32, 32))
    _check_logits_and_grads(torch_model, ember_model, x, target, training)


def _tokens(shape, vocab_size, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, vocab_size, shape), rng.integers(0, vocab_size, shape)


@pytest.mark.parametrize("tie_weights", [False, True], ids=["untied", "tied"])
def test_lstm_language_model_matches_torch(tie_weights):
    torch.manual_seed(0)
    size = 12 if tie_weights else 16
    torch_model, ember_model = _twin(
        TorchLSTMLanguageModel(11, 12, size, 2, tie_weights),
        zoo.LSTMLanguageModel(11, 12, size, num_layers=2, tie_weights=tie_weights),
    )
    if tie_weights:
        assert ember_model.head.weight is ember_model.embedding.weight
    tokens, target = _tokens((2, 5), 11)
    _check_logits_and_grads(
        torch_model,
        ember_model,
        tokens,
        target,
        training=True,
        logits_of=lambda model, x: model(x)[0],
    )


def test_lstm_language_model_carries_its_state():
    torch.manual_seed(0)
    torch_model, ember_model = _twin(
        TorchLSTMLanguageModel(11, 6, 8, 2), zoo.LSTMLanguageModel(11, 6, 8, num_layers=2)
    )
    tokens, _ = _tokens((2, 6), 11)
    torch_logits, _ = torch_model(torch.from_numpy(tokens))
    ember_first, state = ember_model(ember.tensor(tokens[:, :4]))
    assert [s.shape for s in state] == [(2, 2, 8), (2, 2, 8)]
    ember_rest, _ = ember_model(ember.tensor(tokens[:, 4:]), state)
    _close(ember_first, torch_logits[:, :4], "logits of the first steps")
    _close(ember_rest, torch_logits[:, 4:], "logits after the carried state")


def test_lstm_language_model_tie_weights_needs_equal_sizes():
    with pytest.raises(ValueError, match="embedding_dim == hidden_size"):
        zoo.LSTMLanguageModel(11, 8, 16, tie_weights=True)


def test_gpt_matches_torch():
    torch.manual_seed(0)
    torch_model, ember_model = _twin(
        TorchGPT(11, 8, 16, 2, 2),
        zoo.GPT(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=2),
    )
    tokens, target = _tokens((2, 8), 11)
    _check_logits_and_grads(torch_model, ember_model, tokens, target, training=True)


def test_gpt_is_causal():
    model = zoo.GPT(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=2)
    tokens = np.array([[1, 2, 3, 4, 5]])
    changed = tokens.copy()
    changed[0, 3] = 9
    before = model(ember.tensor(tokens)).detach().numpy()
    after = model(ember.tensor(changed)).detach().numpy()
    np.testing.assert_allclose(before[:, :3], after[:, :3], rtol=1e-6, atol=1e-7)
    assert not np.allclose(before[:, 3:], after[:, 3:])


def test_gpt_rejects_sequences_longer_than_its_context():
    model = zoo.GPT(vocab_size=11, context_length=4, d_model=8, n_heads=2, n_layers=1)
    with pytest.raises(ShapeError, match=r"GPT\(context_length=4\) in model .*\(1, 5\)"):
        model(ember.zeros(1, 5, dtype=ember.int64))
