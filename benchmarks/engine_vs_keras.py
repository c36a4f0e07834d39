"""The autograd-lab engine against Keras on MNIST: same weights, batches and settings.

One model (the MLP by default) starts from the same Glorot-uniform weights in both
frameworks and takes the same optimiser steps on the same shuffled batches
(`autograd_lab.training.epoch_batches`): our engine through its graph and session, Keras
through `train_on_batch`. The per-step losses must agree to float32 rounding at first
(checked over the first `--steps` steps), the final test accuracies within 0.5%, and on full
MNIST the engine's MLP must reach 0.975. A plain `model.fit` with the same settings gives
Keras' own time per epoch. Results go to benchmarks/results/engine_vs_keras.json, the
curves to docs/images/engine_vs_keras.png, and a table to the terminal.

    .venv/bin/python benchmarks/engine_vs_keras.py [--data PATH] [--epochs N] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mnist.npz"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "engine_vs_keras.json"
DEFAULT_FIGURE = ROOT / "docs" / "images" / "engine_vs_keras.png"
TARGET = {"mlp": 0.975, "perceptron": 0.92}
MAX_ACCURACY_GAP = 0.005


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MNIST .npz (Keras)")
    parser.add_argument("--model", choices=("mlp", "perceptron"), default="mlp")
    parser.add_argument("--epochs", type=int, help="default: keras_models.cli.DEFAULTS")
    parser.add_argument("--batch-size", type=int, help="default: keras_models.cli.DEFAULTS")
    parser.add_argument("--lr", type=float, help="default: keras_models.cli.DEFAULTS")
    parser.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adam"))
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=0, help="weights and batch order")
    parser.add_argument("--steps", type=int, default=20, help="steps whose losses must agree")
    parser.add_argument(
        "--tol", type=float, default=5e-5, help="largest loss difference allowed in those steps"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS and TensorFlow threads (default: the libraries' choice)",
    )
    parser.add_argument("--no-fit", action="store_true", help="skip the plain model.fit timing")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--figure", type=Path, default=DEFAULT_FIGURE, help="PNG of the curves")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:  # before NumPy and TensorFlow start their thread pools
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    if not args.data.is_file():
        print(f"no MNIST file at {args.data}; pass --data PATH", file=sys.stderr)
        return 2

    import keras
    import numpy as np
    from rich.console import Console

    from autograd_lab.training import EngineModel, epoch_batches, fit, initial_weights
    from keras_models.cli import DEFAULTS
    from keras_models.data import load_mnist

    if args.threads is not None and keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    console = Console(width=110)
    settings = dict(DEFAULTS[args.model])
    for key in ("epochs", "batch_size", "lr", "optimizer"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    data = load_mnist(path=args.data, limit=args.limit)
    full = args.limit is None and len(data.train[0]) >= 50000
    console.print(f"data: {data.source}, {len(data.train[0])} training images; {settings}")
    weights = initial_weights(args.model, args.seed)
    load_before = os.getloadavg()

    console.print("[bold]autograd-lab engine[/bold]")
    engine = EngineModel(args.model, weights, settings["optimizer"], settings["lr"])
    run = fit(
        engine,
        data,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        seed=args.seed,
    )
    engine_test = engine.evaluate(*data.test)

    console.print("[bold]Keras, the same batches through train_on_batch[/bold]")
    lock = keras_lockstep(args.model, weights, data, settings, args.seed, epoch_batches)
    fitted = None if args.no_fit else keras_fit(args.model, weights, data, settings)
    load_after = os.getloadavg()

    steps = min(args.steps, len(run.step_losses))
    ours_steps = np.array(run.step_losses)
    keras_steps = np.array(lock["step_losses"])
    diff = np.abs(ours_steps - keras_steps)
    first_diff = float(diff[:steps].max())
    # Leading steps whose losses differ by at most 4 units in the last place of float32.
    ulps = diff / np.spacing(np.abs(keras_steps).astype(np.float32))
    exact = int(np.argmax(ulps > 4)) if (ulps > 4).any() else len(ulps)
    gap = abs(engine_test[1] - lock["test_accuracy"])
    target = TARGET[args.model] if full else None
    checks = {
        f"first {steps} step losses within {args.tol:g}": first_diff <= args.tol,
        f"test accuracies within {MAX_ACCURACY_GAP:.1%}": gap <= MAX_ACCURACY_GAP,
    }
    if target is not None:
        checks[f"engine test accuracy >= {target}"] = engine_test[1] >= target

    report = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "keras": keras.__version__,
            "backend": keras.config.backend(),
            "threads": args.threads,
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        "data": str(args.data),
        "train_images": len(data.train[0]),
        "model": args.model,
        "settings": settings,
        "seed": args.seed,
        "compared_steps": steps,
        "max_step_loss_difference": first_diff,
        "leading_steps_within_4_ulp": exact,
        "max_step_loss_difference_all_steps": float(diff.max()),
        "first_step_losses": {
            "engine": run.step_losses[:steps],
            "keras": lock["step_losses"][:steps],
        },
        "engine": {
            "test_loss": engine_test[0],
            "test_accuracy": engine_test[1],
            "epoch_time_s": run.epoch_time,
            "epoch_time_min_s": min(run.epoch_times),
            "epoch_times_s": run.epoch_times,
            "samples_per_s": run.samples_per_second,
            "history": run.history,
        },
        "keras_same_batches": {k: v for k, v in lock.items() if k != "step_losses"},
        "keras_fit": fitted,
        "test_accuracy_gap": gap,
        "checks": checks,
    }
    from autograd_lab.files import write_json

    write_json(args.out, report)
    plot(args.figure, args.model, run, lock, diff, steps, args.tol, engine_test[1], fitted)
    print_table(console, report)
    console.print(f"wrote {args.out} and {args.figure}")
    failed = [name for name, ok in checks.items() if not ok]
    for name in failed:
        console.print(f"[red]FAILED[/red]: {name}")
    return 1 if failed else 0


def _to_keras(model, weights: dict) -> None:
    """Put the engine's `layer/part` arrays into the Keras model's Dense layers."""
    for layer in {key.split("/")[0] for key in weights}:
        model.get_layer(layer).set_weights(
            [weights[f"{layer}/kernel"], weights[f"{layer}/bias"]]
        )


def keras_lockstep(name: str, weights: dict, data, settings: dict, seed: int, batches) -> dict:
    """Keras trained on exactly the engine's batches, one `train_on_batch` per step."""
    import numpy as np

    from keras_models.models import build_model
    from keras_models.training import make_optimizer

    model = build_model(name)
    _to_keras(model, weights)
    model.compile(
        optimizer=make_optimizer(settings["optimizer"], settings["lr"]),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    (x, y), (x_val, y_val), (x_test, y_test) = data
    history: dict[str, list[float]] = {}
    step_losses: list[float] = []
    times: list[float] = []
    for epoch in range(settings["epochs"]):
        started = time.perf_counter()
        loss_sum = correct = 0.0
        for index in batches(len(x), settings["batch_size"], seed, epoch):
            logs = model.train_on_batch(x[index], y[index], return_dict=True)
            step_losses.append(float(logs["loss"]))
            loss_sum += logs["loss"] * len(index)
            correct += logs["accuracy"] * len(index)
        val_loss, val_acc = model.evaluate(x_val, y_val, batch_size=1000, verbose=0)
        times.append(time.perf_counter() - started)
        for key, value in (
            ("loss", loss_sum / len(x)),
            ("accuracy", correct / len(x)),
            ("val_loss", val_loss),
            ("val_accuracy", val_acc),
        ):
            history.setdefault(key, []).append(float(value))
        print(
            f"keras epoch {epoch + 1}/{settings['epochs']}: loss {history['loss'][-1]:.4f} "
            f"val_accuracy {val_acc:.4f} ({times[-1]:.1f} s)",
            file=sys.stderr,
        )
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return {
        "test_loss": float(test_loss),
        "test_accuracy": float(test_acc),
        "epoch_time_s": float(np.median(times)),
        "epoch_time_min_s": min(times),
        "epoch_times_s": times,
        "samples_per_s": len(x) / float(np.median(times)),
        "history": history,
        "step_losses": step_losses,
    }


def keras_fit(name: str, weights: dict, data, settings: dict) -> dict:
    """The same start and settings through a plain `model.fit` (its own shuffling), timed."""
    import keras
    import numpy as np

    from keras_models.models import build_model
    from keras_models.training import make_optimizer

    print("keras model.fit for its own time per epoch", file=sys.stderr)
    model = build_model(name)
    _to_keras(model, weights)
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
    fit_history = model.fit(
        x,
        y,
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        validation_data=val,
        callbacks=[timer],
        verbose=0,
    )
    test_loss, test_acc = model.evaluate(*test, batch_size=1000, verbose=0)
    return {
        "test_loss": float(test_loss),
        "test_accuracy": float(test_acc),
        "epoch_time_s": float(np.median(times)),
        "epoch_time_min_s": min(times),
        "epoch_times_s": times,
        "samples_per_s": len(x) / float(np.median(times)),
        "history": {k: [float(v) for v in vs] for k, vs in fit_history.history.items()},
    }


def plot(
    path: Path,
    name: str,
    run,
    lock: dict,
    diff,
    steps: int,
    tol: float,
    engine_acc: float,
    fitted: dict | None,
) -> Path:
    """Four panels: step losses, their difference, and both frameworks' epoch curves."""
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from autograd_lab.files import atomic_write

    fig = Figure(figsize=(12, 8.5))
    (ax_steps, ax_diff), (ax_loss, ax_acc) = fig.subplots(2, 2)
    shown = min(len(diff), 300)
    x = np.arange(1, shown + 1)
    ax_steps.plot(x, run.step_losses[:shown], "-", lw=2.5, alpha=0.6, label="autograd-lab")
    ax_steps.plot(x, lock["step_losses"][:shown], "k--", lw=1, label="Keras")
    ax_steps.set(
        title=f"training loss per step (first {shown} steps)",
        xlabel="step",
        ylabel="batch loss",
    )
    ax_steps.legend()

    all_steps = np.arange(1, len(diff) + 1)
    ax_diff.loglog(all_steps, np.maximum(diff, 1e-9), ".", ms=2, color="tab:purple")
    ax_diff.axvline(
        steps, color="gray", ls=":", label=f"first {steps} steps: max {diff[:steps].max():.1e}"
    )
    ax_diff.axhline(tol, color="tab:red", ls="--", lw=1, label=f"tolerance {tol:g}")
    ax_diff.set(
        title="|autograd-lab − Keras| batch loss (equal ones drawn at 1e-9)",
        xlabel="step",
        ylabel="absolute difference",
    )
    ax_diff.legend(loc="lower right")

    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        for label, hist, color in (
            ("autograd-lab", run.history, "tab:blue"),
            ("Keras", lock["history"], "black"),
        ):
            for key, style in ((metric, "o-"), (f"val_{metric}", "s--")):
                values = hist.get(key, [])
                part = "validation" if key.startswith("val_") else "training"
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    style,
                    color=color,
                    alpha=0.6 if color == "tab:blue" else 1.0,
                    lw=2.5 if color == "tab:blue" else 1,
                    ms=7 if color == "tab:blue" else 3,
                    label=f"{label} {part}",
                )
        ax.set(title=f"{metric} per epoch", xlabel="epoch", ylabel=metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    for ax in fig.axes:
        ax.grid(alpha=0.3)
    speed = (
        f"; s/epoch: engine {run.epoch_time:.1f}, Keras same batches {lock['epoch_time_s']:.1f}"
    )
    if fitted:
        speed += f", Keras fit {fitted['epoch_time_s']:.1f}"
    fig.suptitle(
        f"{name} on MNIST, same initial weights and batches\ntest accuracy: autograd-lab "
        f"{engine_acc:.4f}, Keras {lock['test_accuracy']:.4f}{speed}",
        fontsize=11,
    )
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=90))


def print_table(console, report: dict) -> None:
    from rich.table import Table

    table = Table(
        title=f"{report['model']} on {report['train_images']} MNIST images, "
        f"{report['settings']}"
    )
    for col in ("run", "test accuracy", "s/epoch (median)", "s/epoch (min)", "samples/s"):
        table.add_column(col, justify="right")
    rows = [
        ("autograd-lab engine", report["engine"]),
        ("Keras, same batches (train_on_batch)", report["keras_same_batches"]),
    ]
    if report["keras_fit"]:
        rows.append(("Keras model.fit", report["keras_fit"]))
    for label, row in rows:
        table.add_row(
            label,
            f"{row['test_accuracy']:.4f}",
            f"{row['epoch_time_s']:.2f}",
            f"{row['epoch_time_min_s']:.2f}",
            f"{row['samples_per_s']:,.0f}",
        )
    console.print(table)
    console.print(
        f"max |loss difference| over the first {report['compared_steps']} steps: "
        f"{report['max_step_loss_difference']:.2e} (all steps: "
        f"{report['max_step_loss_difference_all_steps']:.2e}); the first "
        f"{report['leading_steps_within_4_ulp']} steps agree within 4 float32 ulp; "
        f"test accuracy gap "
        f"{report['test_accuracy_gap']:.4f}"
    )


if __name__ == "__main__":
    sys.exit(main())
