"""Engine benchmarks: autograd-lab against TensorFlow, NumPy and plain Python, side by side.

Every contender of a workload runs in the same process, interleaved round by round, and the
table reports medians and ratios measured in that one run (absolute times drift on a shared
machine; ratios hold). Results go to benchmarks/results/engine.json.

    .venv/bin/python -m benchmarks.engine [--quick] [--no-tf] [--output PATH]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import autograd_lab as ag  # noqa: E402
from autograd_lab.files import write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "engine.json"
SCHEMA = 1


# ---- timing ---------------------------------------------------------------------------
def interleaved(contenders: dict[str, Callable[[], Any]], rounds: int, inner: int) -> dict:
    """Median seconds per call of each contender, calling them in turn, round after round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()  # warm up: compile plans, trace functions
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = clock()
            for _ in range(inner):
                fn()
            samples[name].append((clock() - start) / inner)
    return {name: statistics.median(s) for name, s in samples.items()}


def progress(message: str) -> None:
    """One line of progress on stderr, so that a long run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _tf():
    import tensorflow as tf

    return tf


# ---- W1: scalar value and gradient ----------------------------------------------------
def w1_scalar(quick: bool, with_tf: bool) -> dict:
    """Value and gradient of sin(2x) exp(x) at x = 0.3, through each engine's usual path."""
    point = 0.3
    graph = ag.Graph()
    with graph.as_default():
        x = ag.placeholder(ag.float64, shape=(), name="x")
        y = ag.sin(2.0 * x) * ag.exp(x)
        (dy,) = ag.gradients(y, x)
    sess = ag.Session(graph=graph)

    def ours() -> Any:
        return sess.run([y, dy], {x: point})

    def floor() -> tuple[float, float]:
        s, c, e = math.sin(2.0 * point), math.cos(2.0 * point), math.exp(point)
        return s * e, (2.0 * c + s) * e

    contenders: dict[str, Callable[[], Any]] = {"ours": ours, "python": floor}
    if with_tf:
        tf = _tf()
        tx = tf.constant(point, tf.float64)

        def eager() -> Any:
            with tf.GradientTape() as tape:
                tape.watch(tx)
                ty = tf.sin(2.0 * tx) * tf.exp(tx)
            return ty, tape.gradient(ty, tx)

        contenders["tf_eager"] = eager
        contenders["tf_function"] = tf.function(eager)
        g1 = tf.Graph()
        with g1.as_default():
            px = tf.compat.v1.placeholder(tf.float64, shape=())
            py = tf.sin(2.0 * px) * tf.exp(px)
            (pdy,) = tf.compat.v1.gradients(py, px)
        tf1 = tf.compat.v1.Session(graph=g1)
        contenders["tf1_session"] = lambda: tf1.run([py, pdy], {px: point})
    got, want = ours(), floor()
    if not np.allclose(got, want, rtol=1e-12):
        raise AssertionError(f"W1: ours gives {got}, the hand-written derivative {want}")
    times = interleaved(contenders, rounds=5 if quick else 31, inner=20 if quick else 400)
    return {"seconds": times, "ratios": {k: v / times["python"] for k, v in times.items()}}


# ---- W2: dense network forward and backward -------------------------------------------
def _mlp_data(batch: int, sizes: tuple[int, int, int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    n_in, n_hidden, n_out = sizes
    labels = np.zeros((batch, n_out), np.float32)
    labels[np.arange(batch), rng.integers(0, n_out, batch)] = 1.0
    return {
        "x": rng.standard_normal((batch, n_in)).astype(np.float32),
        "labels": labels,
        "w1": (rng.standard_normal((n_in, n_hidden)) * 0.05).astype(np.float32),
        "b1": np.full(n_hidden, 0.01, np.float32),
        "w2": (rng.standard_normal((n_hidden, n_out)) * 0.05).astype(np.float32),
        "b2": np.zeros(n_out, np.float32),
    }


def numpy_mlp(d: dict[str, np.ndarray]) -> tuple:
    """Forward pass and hand-written backpropagation of the ReLU/softmax network."""
    x, labels = d["x"], d["labels"]
    pre = x @ d["w1"] + d["b1"]
    h = np.maximum(pre, 0)
    logits = h @ d["w2"] + d["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(labels * (shifted - np.log(total)), axis=1))
    dlogits = (e / total - labels) / x.shape[0]
    dw2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dh = dlogits @ d["w2"].T
    dh *= pre > 0
    return loss, x.T @ dh, dh.sum(axis=0), dw2, db2


def w2_dense(quick: bool, with_tf: bool) -> dict:
    """Loss and the four parameter gradients of a 784-256-10 MLP on a batch of 128."""
    batch, sizes = (8, (20, 16, 4)) if quick else (128, (784, 256, 10))
    d = _mlp_data(batch, sizes)
    graph = ag.Graph()
    with graph.as_default():
        x = ag.placeholder(ag.float32, (None, sizes[0]), name="x")
        labels = ag.placeholder(ag.float32, (None, sizes[2]), name="labels")
        params = [ag.Variable(d[k], name=k) for k in ("w1", "b1", "w2", "b2")]
        w1, b1, w2, b2 = params
        logits = ag.matmul(ag.nn.relu(ag.matmul(x, w1) + b1), w2) + b2
        loss = ag.reduce_mean(
            ag.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )
        fetches = [loss, *ag.gradients(loss, params)]
        init = ag.global_variables_initializer()
    sess = ag.Session(graph=graph)
    sess.run(init)
    feed = {x: d["x"], labels: d["labels"]}

    def ours() -> Any:
        return sess.run(fetches, feed)

    contenders: dict[str, Callable[[], Any]] = {"ours": ours, "numpy": lambda: numpy_mlp(d)}
    if with_tf:
        tf = _tf()
        tvars = [tf.Variable(d[k]) for k in ("w1", "b1", "w2", "b2")]
        tx, tl = tf.constant(d["x"]), tf.constant(d["labels"])

        def eager() -> Any:
            with tf.GradientTape() as tape:
                out = tf.matmul(tf.nn.relu(tf.matmul(tx, tvars[0]) + tvars[1]), tvars[2])
                tloss = tf.reduce_mean(
                    tf.nn.softmax_cross_entropy_with_logits(labels=tl, logits=out + tvars[3])
                )
            return tloss, tape.gradient(tloss, tvars)

        contenders["tf_eager"] = eager
        contenders["tf_function"] = tf.function(eager)
        g1 = tf.Graph()
        with g1.as_default():
            px = tf.compat.v1.placeholder(tf.float32, (None, sizes[0]))
            pl = tf.compat.v1.placeholder(tf.float32, (None, sizes[2]))
            pv = [tf.compat.v1.Variable(d[k]) for k in ("w1", "b1", "w2", "b2")]
            out = tf.matmul(tf.nn.relu(tf.matmul(px, pv[0]) + pv[1]), pv[2]) + pv[3]
            ploss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits(labels=pl, logits=out)
            )
            pf = [ploss, *tf.compat.v1.gradients(ploss, pv)]
            pinit = tf.compat.v1.global_variables_initializer()
        tf1 = tf.compat.v1.Session(graph=g1)
        tf1.run(pinit)
        contenders["tf1_session"] = lambda: tf1.run(pf, {px: d["x"], pl: d["labels"]})
    for got, want in zip(ours(), numpy_mlp(d), strict=True):
        if not np.allclose(got, want, rtol=1e-3, atol=1e-5):
            raise AssertionError("W2: our loss or gradients differ from the NumPy backprop")
    times = interleaved(contenders, rounds=5 if quick else 41, inner=3 if quick else 10)
    return {
        "batch": batch,
        "sizes": list(sizes),
        "seconds": times,
        "ratios": {k: v / times["numpy"] for k, v in times.items()},
    }


# ---- W3: a deep chain -----------------------------------------------------------------
def _chain_ours(n: int) -> tuple[float, float, int, int]:
    graph = ag.Graph()
    with graph.as_default():
        x = ag.placeholder(ag.float64, shape=(), name="x")
        y = x
        for _ in range(n):
            y = ag.sin(y) * 1.0001 + 0.1
        forward_ops = len(graph)
        (dy,) = ag.gradients(y, x)
        grad_ops = len(graph) - forward_ops
        value, grad = ag.Session(graph=graph).run([y, dy], {x: 0.3})
    return float(value), float(grad), forward_ops, grad_ops


def _chain_floor(n: int) -> tuple[float, float]:
    """The same chain by hand: a forward sweep keeping inputs, then the reverse sweep."""
    y, inputs = 0.3, []
    for _ in range(n):
        inputs.append(y)
        y = math.sin(y) * 1.0001 + 0.1
    grad = 1.0
    for v in reversed(inputs):
        grad *= 1.0001 * math.cos(v)
    return y, grad


def _chain_tf_eager(n: int) -> tuple[float, float]:
    tf = _tf()
    x = tf.constant(0.3, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(n):
            y = tf.sin(y) * 1.0001 + 0.1
    return float(y), float(tape.gradient(y, x))


def _chain_tf1(n: int) -> tuple[float, float, int, int]:
    tf = _tf()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, shape=())
        y = x
        for _ in range(n):
            y = tf.sin(y) * 1.0001 + 0.1
        forward_ops = len(graph.get_operations())
        (dy,) = tf.compat.v1.gradients(y, x)
        grad_ops = len(graph.get_operations()) - forward_ops
        with tf.compat.v1.Session(graph=graph) as sess:
            value, grad = sess.run([y, dy], {x: 0.3})
    return float(value), float(grad), forward_ops, grad_ops


def _peak_python_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def w3_depth(
    quick: bool,
    with_tf: bool,
    sizes: list[int] | None = None,
    eager_max: int = 10_000,
    tf1_max: int = 1_000,
) -> dict:
    """Build, differentiate and run y = sin(y) * 1.0001 + 0.1 repeated N times.

    TensorFlow's graph building is slow for long chains (about 5 ms per step here for TF1),
    so TF1 runs only up to `tf1_max` and eager up to `eager_max`, once per size from 1,000 up.
    """
    sizes = sizes or ([10, 50] if quick else [100, 1_000, 10_000, 100_000])
    rows = []
    for n in sizes:
        repeats = 1 if quick or n >= 100_000 else (3 if n >= 10_000 else 7)
        progress(f"W3 depth N={n:,}")
        row: dict[str, Any] = {"n": n}
        info: dict[str, Any] = {}
        runners = {"ours": _chain_ours, "python": _chain_floor}
        if with_tf and n <= eager_max:
            runners["tf_eager"] = _chain_tf_eager
        if with_tf and n <= tf1_max:
            runners["tf1_gradients"] = _chain_tf1
        contenders = {name: _recorder(info, name, fn, n) for name, fn in runners.items()}
        samples: dict[str, list[float]] = {k: [] for k in contenders}
        for i in range(repeats):
            for name, fn in contenders.items():
                if name.startswith("tf") and n >= 1_000 and i > 0:
                    continue
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
        times = {k: statistics.median(v) for k, v in samples.items()}
        value, grad, forward_ops, grad_ops = info["ours"]
        want = info["python"]
        if not (
            math.isclose(value, want[0], rel_tol=1e-9)
            and math.isclose(grad, want[1], rel_tol=1e-6, abs_tol=1e-300)
        ):
            raise AssertionError(f"W3 N={n}: ours {(value, grad)}, by hand {want}")
        row.update(
            seconds=times,
            ratios={k: v / times["python"] for k, v in times.items()},
            ours_forward_ops=forward_ops,
            ours_gradient_ops=grad_ops,
        )
        if "tf1_gradients" in info:
            row.update(
                tf1_forward_ops=info["tf1_gradients"][2],
                tf1_gradient_ops=info["tf1_gradients"][3],
            )
        skipped = [
            k
            for k, limit in (("tf_eager", eager_max), ("tf1_gradients", tf1_max))
            if with_tf and n > limit
        ]
        if skipped:
            row["tf_skipped"] = f"{', '.join(skipped)} not run at this N: too slow to build"
        if n <= 10_000 or not quick:
            row["peak_python_bytes"] = {
                "ours": _peak_python_bytes(lambda n=n: _chain_ours(n)),
                "python": _peak_python_bytes(lambda n=n: _chain_floor(n)),
            }
        rows.append(row)
    return {"rows": rows}


def _recorder(info: dict, name: str, fn: Callable[[int], Any], n: int) -> Callable[[], None]:
    """A call of fn(n) that keeps its result in info[name], for the checks after timing."""

    def call() -> None:
        info[name] = fn(n)

    return call


# ---- W4: per-op overhead --------------------------------------------------------------
def w4_overhead(quick: bool, k: int = 64, size: int = 16) -> dict:
    """Marginal cost of one more elementwise op in a chain: ours against plain NumPy.

    Each contender computes x * c, K times in a row, on a float64 array of `size` elements;
    the marginal cost per op is (time of K ops - time of 1 op) / (K - 1), which removes the
    fixed cost of one `Session.run` (and of one Python call for NumPy).
    """
    data = np.linspace(0.0, 1.0, size)
    c = np.float64(1.0001)  # the same scalar type our Const holds

    def chain(n: int) -> Callable[[], Any]:
        graph = ag.Graph()
        with graph.as_default():
            x = ag.placeholder(ag.float64, (size,), name="x")
            y = x
            for _ in range(n):
                y = y * 1.0001
        sess = ag.Session(graph=graph)
        return lambda: sess.run(y, {x: data})

    def numpy_chain(n: int) -> Callable[[], Any]:
        def run() -> Any:
            y = data
            for _ in range(n):
                y = y * c
            return y

        return run

    ours_k, ours_1, np_k, np_1 = chain(k), chain(1), numpy_chain(k), numpy_chain(1)
    if not np.allclose(ours_k(), np_k()):
        raise AssertionError("W4: the chains disagree")
    times = interleaved(
        {"ours_k": ours_k, "ours_1": ours_1, "numpy_k": np_k, "numpy_1": np_1},
        rounds=5 if quick else 41,
        inner=20 if quick else 200,
    )
    ours_op = (times["ours_k"] - times["ours_1"]) / (k - 1)
    numpy_op = (times["numpy_k"] - times["numpy_1"]) / (k - 1)
    return {
        "k": k,
        "size": size,
        "seconds": times,
        "ours_per_op": ours_op,
        "numpy_per_op": numpy_op,
        "ratio": ours_op / numpy_op,
        "ours_fixed_run_cost": times["ours_1"] - times["numpy_1"],
    }


# ---- import time ----------------------------------------------------------------------
_IMPORT_PROBE = (
    "import sys, time; t = time.perf_counter(); import {module}; "
    "dt = time.perf_counter() - t; "
    "heavy = [m for m in ('tensorflow', 'matplotlib', 'rich', 'tqdm', 'keras') "
    "if m in sys.modules]; print(dt, ','.join(heavy))"
)


def import_time(quick: bool) -> dict:
    """`import autograd_lab` against `import numpy`, each in fresh interpreters, alternating."""
    samples: dict[str, list[float]] = {"autograd_lab": [], "numpy": []}
    heavy: set[str] = set()
    for _ in range(3 if quick else 11):
        for module in samples:
            out = subprocess.run(
                [sys.executable, "-c", _IMPORT_PROBE.format(module=module)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            seconds, _, loaded = out.stdout.strip().partition(" ")
            samples[module].append(float(seconds))
            if module == "autograd_lab" and loaded:
                heavy.update(loaded.split(","))
    times = {k: statistics.median(v) for k, v in samples.items()}
    return {
        "seconds": times,
        "ratio": times["autograd_lab"] / times["numpy"],
        "heavy_modules_imported": sorted(heavy),
    }


# ---- targets and report ---------------------------------------------------------------
def targets(results: dict) -> list[dict]:
    """Each target as (name, measured, limit, passed)."""
    out = []

    def add(name: str, value: float | None, limit: float, ok: bool | None = None) -> None:
        if value is None:
            out.append({"target": name, "value": None, "limit": limit, "status": "SKIP"})
            return
        passed = value <= limit if ok is None else ok
        out.append(
            {
                "target": name,
                "value": value,
                "limit": limit,
                "status": "PASS" if passed else "MISS",
            }
        )

    w1 = results.get("w1")
    if w1:
        add("W1 ours / python floor", w1["ratios"]["ours"], 20.0)
    w2 = results.get("w2")
    if w2:
        r = w2["ratios"]
        add("W2 ours / numpy floor", r["ours"], 1.15)
        for other in ("tf1_session", "tf_function"):
            if other in r:
                add(f"W2 ours / {other}", r["ours"] / r[other], 1.0, r["ours"] < r[other])
    w3 = results.get("w3")
    if w3:
        for row in w3["rows"]:
            if row["n"] == 10_000:
                add("W3 N=10,000 ours / python floor", row["ratios"]["ours"], 100.0)
            if "tf1_gradient_ops" in row:
                add(
                    f"W3 N={row['n']:,} our gradient ops / TF's",
                    row["ours_gradient_ops"] / row["tf1_gradient_ops"],
                    1.0,
                )
            if row["n"] == 100_000:
                add("W3 N=100,000 completes (s)", row["seconds"]["ours"], math.inf)
    w4 = results.get("w4")
    if w4:
        add("W4 ours per op / numpy per op", w4["ratio"], 1.5)
    imp = results.get("import")
    if imp:
        add("Import autograd_lab / numpy", imp["ratio"], 2.0)
        add(
            "Import pulls in no TensorFlow/matplotlib/rich/tqdm",
            float(len(imp["heavy_modules_imported"])),
            0.0,
        )
    return out


def _fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def print_report(results: dict) -> None:
    """Rich tables of the medians and ratios, then the targets."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="autograd-lab engine benchmarks (medians; ratio to the floor)")
    for col in ("workload", "contender", "median", "ratio"):
        table.add_column(col, justify="left" if col in ("workload", "contender") else "right")
    for key, label in (("w1", "W1 scalar value+grad"), ("w2", "W2 MLP fwd+bwd")):
        if key in results:
            for name, t in results[key]["seconds"].items():
                table.add_row(label, name, _fmt_time(t), f"{results[key]['ratios'][name]:.2f}×")
    for row in results.get("w3", {}).get("rows", []):
        for name, t in row["seconds"].items():
            table.add_row(
                f"W3 depth N={row['n']:,}", name, _fmt_time(t), f"{row['ratios'][name]:.1f}×"
            )
        ops = f"ours {row['ours_gradient_ops']:,}"
        if "tf1_gradient_ops" in row:
            ops += f" / TF {row['tf1_gradient_ops']:,}"
        table.add_row("", "gradient ops", ops, "")
        if "peak_python_bytes" in row:
            peak = row["peak_python_bytes"]
            table.add_row(
                "",
                "peak Python memory",
                f"ours {peak['ours'] / 2**20:.1f} MiB",
                f"floor {peak['python'] / 2**20:.2f} MiB",
            )
    if "w4" in results:
        w4 = results["w4"]
        table.add_row(
            f"W4 per-op (K={w4['k']}, {w4['size']} el.)",
            "ours",
            _fmt_time(w4["ours_per_op"]),
            f"{w4['ratio']:.2f}×",
        )
        table.add_row("", "numpy", _fmt_time(w4["numpy_per_op"]), "1.00×")
        table.add_row("", "ours fixed run cost", _fmt_time(w4["ours_fixed_run_cost"]), "")
    if "import" in results:
        imp = results["import"]
        table.add_row(
            "Import",
            "autograd_lab",
            _fmt_time(imp["seconds"]["autograd_lab"]),
            f"{imp['ratio']:.2f}×",
        )
        table.add_row("", "numpy", _fmt_time(imp["seconds"]["numpy"]), "1.00×")
    console.print(table)
    check = Table(title="Targets")
    for col in ("target", "measured", "limit", "status"):
        check.add_column(col)
    for t in results["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.3g}"
        style = {"PASS": "green", "MISS": "red"}.get(t["status"], "yellow")
        check.add_row(t["target"], value, f"{t['limit']:g}", f"[{style}]{t['status']}[/]")
    console.print(check)


def run_all(quick: bool = False, with_tf: bool = True, only: set[str] | None = None) -> dict:
    """Run the workloads (all, or those in `only`) and check the targets."""
    steps = {
        "w1": w1_scalar,
        "w2": w2_dense,
        "w3": w3_depth,
        "w4": lambda q, _tf: w4_overhead(q),
        "import": lambda q, _tf: import_time(q),
    }
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "quick": quick,
        "with_tf": with_tf,
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
    }
    if with_tf:
        results["machine"]["tensorflow"] = _tf().__version__
    for key, fn in steps.items():
        if only is None or key in only:
            progress(f"running {key}")
            results[key] = fn(quick, with_tf)
    results["targets"] = targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats")
    parser.add_argument("--no-tf", action="store_true", help="skip the TensorFlow contenders")
    parser.add_argument("--only", default="", help="comma-separated: w1,w2,w3,w4,import")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    unknown = (only or set()) - {"w1", "w2", "w3", "w4", "import"}
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    results = run_all(quick=args.quick, with_tf=not args.no_tf, only=only)
    write_json(args.output, results)
    print_report(results)
    for row in results.get("w3", {}).get("rows", []):
        if "tf_skipped" in row:
            print(f"W3 N={row['n']:,}: {row['tf_skipped']}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
