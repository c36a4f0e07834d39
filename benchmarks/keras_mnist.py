"""Full-MNIST benchmark: our `train()` against a plain Keras script, per model.

Each model is trained twice on the same 55,000/5,000 split with the same settings (those of
`keras_models.cli.DEFAULTS`: SGD with momentum 0.9, batch 128) and seed: once through
`keras_models.training.train`, once through a bare compile/fit. Test accuracy, median epoch
time, samples/s and the overhead ratio (our epoch time / plain epoch time) go to
benchmarks/results/keras_mnist.json (rows of models not run this time are kept) and a table.
Targets: perceptron >= 0.92, MLP >= 0.975, CNN >= 0.99 test accuracy.

    .venv/bin/python benchmarks/keras_mnist.py [--models perceptron,mlp] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from autograd_lab.files import write_json  # noqa: E402
from keras_models.cli import DEFAULTS  # noqa: E402
from keras_models.data import load_mnist  # noqa: E402
from keras_models.models import build_model  # noqa: E402
from keras_models.training import make_optimizer, train  # noqa: E402

TARGETS = {"perceptron": 0.92, "mlp": 0.975, "cnn": 0.99, "resnet": 0.99}
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mnist.npz"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "keras_mnist.json"


def run_ours(name: str, data, settings: dict, seed: int) -> dict:
    """Train through keras_models.training.train (seeded as run_plain is: before building)."""
    keras.utils.set_random_seed(seed)
    model = build_model(name)
    result = train(
        model,
        data,
        optimizer=settings["optimizer"],
        learning_rate=settings["lr"],
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        verbose=0,
    )
    _, acc = model.evaluate(*data.test, verbose=0)
    return {
        "test_accuracy": float(acc),
        "epoch_time_s": result.epoch_time,
        "epoch_times_s": result.epoch_times,
        "samples_per_s": result.samples_per_second,
    }


def run_plain(name: str, data, settings: dict, seed: int) -> dict:
    """The same model and settings through a bare compile/fit, timed per epoch."""
    keras.utils.set_random_seed(seed)
    model = build_model(name)
    model.compile(
        optimizer=make_optimizer(settings["optimizer"], settings["lr"]),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    times: list[float] = []
    marks: dict[str, float] = {}
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.__setitem__("t", time.perf_counter()),
        on_epoch_end=lambda epoch, logs: times.append(time.perf_counter() - marks["t"]),
    )
    (x, y), val, test = data
    model.fit(
        x,
        y,
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        validation_data=val,
        callbacks=[timer],
        verbose=0,
    )
    _, acc = model.evaluate(*test, verbose=0)
    epoch_time = float(np.median(times))
    return {
        "test_accuracy": float(acc),
        "epoch_time_s": epoch_time,
        "epoch_times_s": times,
        "samples_per_s": len(x) / epoch_time,
    }


def _combine(results: list[dict]) -> dict:
    """One record from repeated runs: the first run's accuracy, the median epoch time."""
    epoch_time = float(np.median([r["epoch_time_s"] for r in results]))
    return {
        **results[0],
        "epoch_time_s": epoch_time,
        "samples_per_s": results[0]["samples_per_s"] * results[0]["epoch_time_s"] / epoch_time,
        "runs": len(results),
        "run_epoch_times_s": [r["epoch_time_s"] for r in results],
    }


def _previous_rows(path: Path) -> list[dict]:
    """Rows of an earlier results file, so that a run of some models keeps the others."""
    try:
        return list(json.loads(path.read_text())["results"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="full MNIST .npz")
    parser.add_argument("--models", default="perceptron,mlp,cnn", help="comma-separated")
    parser.add_argument("--epochs", type=int, help="override the per-model epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="runs of each contender, alternating which goes first",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    args = parser.parse_args(argv)
    console = Console(width=120)
    if not args.data.is_file():
        console.print(f"[red]no MNIST file at {args.data}[/red]; pass --data PATH")
        return 2
    data = load_mnist(path=args.data)
    console.print(f"data: {data.source}, {len(data.train[0])} training images")

    rows = []
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        settings = dict(DEFAULTS[name])
        if args.epochs is not None:
            settings["epochs"] = args.epochs
        console.print(f"[bold]{name}[/bold]: {settings}")
        runs: dict[str, list[dict]] = {"ours": [], "plain": []}
        for rep in range(args.repeats):  # ours, plain, plain, ours, ...: neither always first
            order = ("ours", "plain") if rep % 2 == 0 else ("plain", "ours")
            for who in order:
                fn = run_ours if who == "ours" else run_plain
                runs[who].append(fn(name, data, settings, args.seed))
        ours, plain = _combine(runs["ours"]), _combine(runs["plain"])
        row = {
            "model": name,
            "settings": settings,
            "target": TARGETS.get(name),
            "ours": ours,
            "plain": plain,
            "overhead_ratio": ours["epoch_time_s"] / plain["epoch_time_s"],
        }
        rows.append(row)
        console.print(
            f"  ours {ours['test_accuracy']:.4f} in {ours['epoch_time_s']:.2f} s/epoch, "
            f"plain {plain['test_accuracy']:.4f} in {plain['epoch_time_s']:.2f} s/epoch"
        )

    ran = {row["model"] for row in rows}
    kept = [row for row in _previous_rows(args.out) if row.get("model") not in ran]
    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "keras": keras.__version__,
            "backend": keras.config.backend(),
        },
        "data": str(args.data),
        "train_images": len(data.train[0]),
        "results": kept + rows,
    }
    write_json(args.out, report)

    table = Table(title="Keras on full MNIST: our train() vs plain fit")
    columns = "model epochs|test acc|target|plain acc|s/epoch|samples/s|plain s/epoch|overhead"
    for col in columns.replace(" ", "|", 1).split("|"):
        table.add_column(col, justify="right")
    for row in rows:
        ours, plain = row["ours"], row["plain"]
        ok = row["target"] is None or ours["test_accuracy"] >= row["target"]
        table.add_row(
            row["model"],
            str(row["settings"]["epochs"]),
            f"[{'green' if ok else 'red'}]{ours['test_accuracy']:.4f}[/]",
            f"{row['target']}",
            f"{plain['test_accuracy']:.4f}",
            f"{ours['epoch_time_s']:.2f}",
            f"{ours['samples_per_s']:,.0f}",
            f"{plain['epoch_time_s']:.2f}",
            f"{row['overhead_ratio']:.2f}x",
        )
    console.print(table)
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
