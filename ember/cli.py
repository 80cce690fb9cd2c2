"""The ``ember`` command.

- ``ember demo``: trains a small CNN on the 8x8 digits (offline) with ``fit``,
  progress bars, EarlyStopping and TensorBoard logging, and writes a run folder
  with event files, ``history.csv``, PNGs and a safetensors checkpoint.
- ``ember train CONFIG.toml``: the same loop for a zoo model and dataset named
  in a config file.
- ``ember bench``: the training-step benchmark against PyTorch (from a source
  checkout, where ``bench/`` lives).
- ``ember info``: versions, backend and threads.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy

import ember
from ember import data, nn, zoo
from ember.train import callbacks, metrics
from ember.viz import plot_confusion_matrix, plot_feature_maps, plot_filters, plot_history

try:  # Python 3.11+; on 3.10 `ember train` asks for the tomli package.
    import tomllib
except ImportError:  # pragma: no cover - depends on the Python version
    tomllib = None

__all__ = ["demo", "info", "main", "train"]


def _digits_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def _run_folder(root: str, name: str | None) -> str:
    name = name or time.strftime("%Y%m%d-%H%M%S")
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    return folder


def _fit_and_report(
    model: ember.Model,
    train_set: tuple[ember.Tensor, ember.Tensor],
    test_set: tuple[ember.Tensor, ember.Tensor],
    folder: str,
    epochs: int,
    batch_size: int,
    patience: int,
    verbose: Any,
) -> dict:
    """Fit with the standard callbacks, evaluate, and write the run folder's files."""
    history = model.fit(
        *train_set,
        batch_size=batch_size,
        epochs=epochs,
        validation_split=0.1,
        verbose=verbose,
        callbacks=[
            callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            ),
            callbacks.TensorBoard(log_dir=os.path.join(folder, "tensorboard")),
            callbacks.CSVLogger(os.path.join(folder, "history.csv")),
            callbacks.ModelCheckpoint(
                os.path.join(folder, "best.safetensors"), monitor="val_loss", save_best_only=True
            ),
        ],
    )
    results = model.evaluate(*test_set, batch_size=256, verbose=0, return_dict=True)
    logits = model.predict(test_set[0], batch_size=256)
    confusion = metrics.ConfusionMatrix(int(logits.shape[1]))
    confusion.update_state(test_set[1], logits)
    ember.save(model.state_dict(), os.path.join(folder, "model.safetensors"))
    plot_history(history.history, os.path.join(folder, "curves.png"))
    plot_confusion_matrix(confusion.result(), path=os.path.join(folder, "confusion_matrix.png"))
    return {"history": history, "results": results, "confusion": confusion.result()}


def demo(
    epochs: int = 40,
    runs: str = "runs",
    name: str | None = "demo",
    verbose: Any = "auto",
    out: Any = None,
) -> float:
    """Train a small CNN on the 8x8 digits and write a run folder.

    Args:
        epochs: the most epochs to train (EarlyStopping usually stops sooner).
        runs: the folder that holds run folders.
        name: the run folder's name (a timestamp when None).
        verbose: ``fit``'s verbosity ("auto": bars on a terminal).
        out: where to print (standard output by default).

    Returns:
        The test accuracy.
    """
    out = out or sys.stdout
    ember.manual_seed(0)
    train_x, train_y = data.load_digits(split="train")
    test_x, test_y = data.load_digits(split="test")
    net = _digits_cnn()
    model = ember.Model(net)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"], jit="auto")
    folder = _run_folder(runs, name)
    print(
        f"ember {ember.__version__}: a small CNN on {len(train_y)} 8x8 digits "
        f"({len(test_y)} held out); run folder {folder}",
        file=out,
    )
    report = _fit_and_report(
        model,
        (train_x, train_y),
        (test_x, test_y),
        folder,
        epochs,
        batch_size=64,
        patience=5,
        verbose=verbose,
    )
    plot_filters(net[0].weight, os.path.join(folder, "filters.png"))
    plot_feature_maps(net, "1", test_x[:1], os.path.join(folder, "feature_maps.png"))
    accuracy = float(report["results"]["accuracy"])
    epochs_run = len(report["history"].history["loss"])
    print(f"test accuracy {accuracy:.4f} after {epochs_run} epochs", file=out)
    print(f"wrote {', '.join(sorted(os.listdir(folder)))} to {folder}", file=out)
    print(f"see the curves: tensorboard --logdir {runs}", file=out)
    return accuracy


_DATASETS = {
    "mnist": data.MNIST,
    "fashion_mnist": data.FashionMNIST,
    "cifar10": data.CIFAR10,
    "cifar100": data.CIFAR100,
}


def _dataset_arrays(config: dict) -> tuple[tuple, tuple]:
    name = config.get("name", "digits")
    if name == "digits":
        return data.load_digits(split="train"), data.load_digits(split="test")
    if name not in _DATASETS:
        raise SystemExit(
            f"ember train: unknown dataset {name!r}; choose digits, {', '.join(_DATASETS)}"
        )
    sets = []
    for train_side in (True, False):
        dataset = _DATASETS[name](
            root=config.get("root"),
            train=train_side,
            download=config.get("download", False),
            transform=data.transforms.ToTensor(),
        )
        loader = data.DataLoader(dataset, batch_size=len(dataset))
        sets.append(tuple(next(iter(loader))))
    return sets[0], sets[1]


def train(config_path: str, out: Any = None) -> dict:
    """Train the zoo model a TOML config names, on the dataset it names.

    The config has tables ``[model]`` (``name``: a factory or class in
    ``ember.zoo``, and its keyword arguments), ``[data]`` (``name``: digits,
    mnist, fashion_mnist, cifar10 or cifar100; ``root``; ``download``),
    ``[optimizer]`` (``name``, ``lr``) and ``[train]`` (``epochs``,
    ``batch_size``, ``patience``, ``run``, ``runs``).

    Returns:
        The test results (loss and metrics).
    """
    out = out or sys.stdout
    if tomllib is None:
        raise SystemExit("ember train: reading TOML on Python 3.10 needs `pip install tomli`")
    with open(config_path, "rb") as f:
        config = tomllib.load(f)
    model_config = dict(config.get("model", {}))
    model_name = model_config.pop("name", "MLP")
    factory = getattr(zoo, model_name, None)
    if factory is None:
        raise SystemExit(
            f"ember train: ember.zoo has no model {model_name!r}; choose one of "
            f"{', '.join(zoo.__all__)}"
        )
    train_config = config.get("train", {})
    optimizer = config.get("optimizer", {})
    ember.manual_seed(train_config.get("seed", 0))
    (train_x, train_y), test_set = _dataset_arrays(config.get("data", {}))
    model = ember.Model(factory(**model_config))
    model.compile(
        optimizer=optimizer.get("name", "adam"), loss="cross_entropy", metrics=["accuracy"]
    )
    if "lr" in optimizer:
        for group in model.optimizer.param_groups:
            group["lr"] = optimizer["lr"]
    folder = _run_folder(train_config.get("runs", "runs"), train_config.get("run"))
    report = _fit_and_report(
        model,
        (train_x, train_y),
        test_set,
        folder,
        train_config.get("epochs", 10),
        train_config.get("batch_size", 64),
        train_config.get("patience", 5),
        train_config.get("verbose", "auto"),
    )
    print(f"test results {report['results']}; run folder {folder}", file=out)
    return report["results"]


def info(out: Any = None) -> None:
    """Print the versions of Ember, Python and NumPy, the backend and thread counts."""
    out = out or sys.stdout
    print(f"ember {ember.__version__}", file=out)
    print(f"python {platform.python_version()} ({platform.machine()})", file=out)
    print(f"numpy {numpy.__version__}", file=out)
    print("backend numpy (cpu)", file=out)
    print(f"cpu cores {os.cpu_count()}", file=out)
    threads = os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"BLAS threads {threads or 'default (all cores)'}", file=out)


def bench(arguments: Sequence[str]) -> int:
    """Run ``python -m bench`` (the benchmark suite lives in a source checkout)."""
    if not os.path.isdir("bench"):
        print(
            "ember bench: run it from an Ember source checkout (the folder holding bench/)",
            file=sys.stderr,
        )
        return 2
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    return subprocess.call([sys.executable, "-m", "bench", *arguments], env=env)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ember`` command."""
    parser = argparse.ArgumentParser(prog="ember", description="Ember deep learning framework")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="train a small CNN on the digits")
    run_demo.add_argument("--epochs", type=int, default=40)
    run_demo.add_argument("--runs", default="runs")
    run_demo.add_argument("--name", default="demo")
    run_train = commands.add_parser("train", help="train a zoo model from a TOML config")
    run_train.add_argument("config")
    run_bench = commands.add_parser("bench", help="benchmark training steps against PyTorch")
    run_bench.add_argument("arguments", nargs=argparse.REMAINDER)
    commands.add_parser("info", help="print versions, backend and threads")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(epochs=args.epochs, runs=args.runs, name=args.name)
    elif args.command == "train":
        train(args.config)
    elif args.command == "bench":
        return bench(args.arguments)
    else:
        info()
    return 0


if __name__ == "__main__":
    sys.exit(main())
