"""Model.summary: parameter counts, output shapes, FLOPs and memory."""

import re

import ember
from ember import nn
from tests.train.helpers import blobs, mlp


def _number(text, label):
    return int(re.search(rf"^{label}: ([\d,]+)", text, re.MULTILINE).group(1).replace(",", ""))


def _row(text, name):
    """The cells of a layer's row: name, output shape, params, FLOPs, memory."""
    line = next(line for line in text.splitlines() if line.strip().startswith(name))
    return re.split(r"\s{2,}", line.strip())


def _int(cell):
    return int(cell.replace(",", ""))


class ConvNet(ember.Model):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(self.flat(self.pool(self.relu(self.bn(self.conv(x))))))


def test_counts_equal_the_parameters_numel():
    model = ConvNet()
    model.bn.weight.requires_grad_(False)
    text = model.summary((2, 3, 8, 8), print_fn=None)
    total = sum(p.numel() for p in model.parameters())
    assert _number(text, "Total params") == total
    assert _number(text, "Trainable params") == total - 8
    assert _number(text, "Non-trainable params") == 8
    assert "Buffers (not trained): 17 elements" in text
    rows = [_row(text, name) for name in ("conv", "bn", "relu", "pool", "flat", "fc")]
    assert sum(_int(row[2]) for row in rows) == total


def test_output_shapes_flops_and_memory():
    text = ConvNet().summary((2, 3, 8, 8), print_fn=None)
    conv = _row(text, "conv")
    assert conv[1] == "[2, 8, 8, 8]"
    # 2 * C_in/groups * k*k * C_out * H_out * W_out, per sample.
    assert _int(conv[3]) == 2 * 3 * 9 * 8 * 8 * 8
    assert conv[4] == "4.0 KB"  # 2 * 8 * 8 * 8 float32 outputs
    fc = _row(text, "fc")
    assert fc[1:] == ["[2, 10]", "1,290", f"{2 * 128 * 10:,}", "80 B"]
    # conv, batch norm and ReLU per element, max pooling per window element, linear.
    total = 2 * 3 * 9 * 512 + 512 + 512 + 4 * 128 + 2 * 128 * 10
    assert f"Forward FLOPs per sample: {total:,}" in text


def test_without_input_lists_parameters_then_uses_the_fitted_data(capsys):
    model = mlp()
    text = model.summary()
    assert "pass input_size" in text
    assert capsys.readouterr().out.strip() == text
    model.compile(optimizer="sgd", loss="cross_entropy")
    model.fit(*blobs(n=8), verbose=0)
    text = model.summary(print_fn=None)
    assert _row(text, "2 (Linear)")[1] == "[1, 2]"


def test_accepts_example_tensors_and_keeps_the_mode():
    model = mlp(features=3)
    model.train()
    text = model.summary(ember.zeros(5, 3), print_fn=None)
    assert "[5, 16]" in text
    assert model.training
