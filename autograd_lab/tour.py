"""`autograd-lab tour`: the guided tour, written as a folder with an `index.html`.

Each step runs on its own: if Graphviz, TensorFlow or Keras is missing, the step says what is
skipped and why, and the others still run. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import html
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Section:
    """What one step of the tour produced: prose, text blocks, pictures, a one-line summary."""

    title: str
    summary: str = ""
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (p|pre|img, content)
    skipped: str | None = None

    def text(self, content: str) -> None:
        self.blocks.append(("p", content))

    def code(self, content: str) -> None:
        self.blocks.append(("pre", content))

    def picture(self, path: Path, caption: str) -> None:
        self.blocks.append(("img", f"{path.name}|{caption}"))


def _captured(fn: Callable[[], Any]) -> str:
    """What `fn` prints, as text (for showing program output in the page)."""
    buffer = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(buffer):
        fn()
    return buffer.getvalue()


# ---- the steps --------------------------------------------------------------------------
def step_session(out: Path, quick: bool) -> Section:
    import autograd_lab as tf

    s = Section("1. Two placeholders, added in a session")
    graph = tf.Graph()
    with graph.as_default():
        a = tf.placeholder(tf.float32, name="a")
        b = tf.placeholder(tf.float32, name="b")
        adder = a + b
        with tf.Session() as sess:
            result = sess.run(adder, {a: 3, b: 4.5})
            pair = sess.run(adder, {a: [1, 3], b: [2, 4]})
    s.code(
        "a = tf.placeholder(tf.float32)\nb = tf.placeholder(tf.float32)\nadder = a + b\n"
        f"print(adder)                          # {adder}\n"
        f"sess.run(adder, {{a: 3, b: 4.5}})       # {result}\n"
        f"sess.run(adder, {{a: [1, 3], b: [2, 4]}}) # {pair}"
    )
    s.text(
        f"Printing <code>adder</code> shows no number: <code>{html.escape(str(adder))}</code> "
        "names the first output (<code>:0</code>) of the op called <code>add</code>, of type "
        "float32 and of unknown shape. Numbers exist only when a Session runs the graph with "
        "values fed to the placeholders."
    )
    s.summary = f"a + b at (3, 4.5) = {result}"
    return s


def step_graphs(out: Path, quick: bool) -> Section:
    import autograd_lab as tf
    from viz.graphviz_render import GraphvizMissingError, render

    s = Section("2. The graphs of 2*x and sin(2*x), and the graphs their derivatives add")
    made = []
    for text, stem in (("2*x", "graph_2x"), ("sin(2*x)", "graph_sin2x")):
        expr = tf.parse(text)
        x = expr.inputs["x"]
        (grad,) = tf.gradients(expr.output, x)
        try:
            render(expr.output, out / f"{stem}.svg", gradients=False, title=f"y = {text}")
            render(
                [expr.output, grad],
                out / f"{stem}_gradients.svg",
                gradients=True,
                feed_dict={x: 0.5},
                title=f"y = {text} and dy/dx, at x = 0.5",
            )
        except GraphvizMissingError as exc:  # the .dot source was written instead
            s.skipped = f"pictures need Graphviz: {exc}"
            continue
        s.picture(out / f"{stem}.svg", f"the forward graph of y = {text}")
        s.picture(
            out / f"{stem}_gradients.svg",
            f"y = {text} with the ops that gradients(y, x) added (coloured), "
            "with values at x = 0.5",
        )
        made.append(text)
    s.text(
        "Each op of the forward graph has one rule in the derivative table; "
        "<code>gradients</code> looks the rules up from the output back to x and adds their "
        "ops to the same graph, under the <code>gradients/</code> name scope."
    )
    s.summary = f"rendered {len(made) * 2} pictures" if made else "Graphviz missing: .dot only"
    return s


def step_derivative(out: Path, quick: bool) -> Section:
    import autograd_lab as tf
    from autograd_lab.formulas import to_latex, to_text
    from viz.explain import explain

    s = Section("3. The derivative of sin(2*x): its formula, the chain rule, and the checks")
    expr = tf.parse("sin(2*x)", dtype=tf.float64)
    x = expr.inputs["x"]
    (grad,) = tf.gradients(expr.output, x)
    formula = to_text(grad)
    s.text(
        f"Read back from the gradient graph: <b>d/dx sin(2*x) = {html.escape(formula)}</b> "
        f"(LaTeX: <code>{html.escape(to_latex(grad))}</code>)."
    )
    story = explain(expr.output, x, at={"x": 0.5})
    s.code(str(story))
    try:
        from autograd_lab.verify.compare import compare

        report = compare("sin(2*x)", at={"x": 0.5})
        s.code(str(report))
        verdict = "all agree" if report.ok else "DISAGREEMENT"
        if report.tensorflow:
            s.text(f"TensorFlow columns skipped: {html.escape(report.tensorflow)}")
    except ImportError as exc:
        verdict = f"comparison skipped ({exc})"
        s.text(f"The comparison with TensorFlow is skipped: {html.escape(str(exc))}")
    s.summary = f"d/dx sin(2x) = {formula}; {verdict}"
    return s


def step_plot(out: Path, quick: bool) -> Section:
    import numpy as np

    from viz.plots import plot_derivative

    s = Section("4. The derivative of sin over [-2π, 2π], next to cos")
    path = plot_derivative(
        "sin(x)", x_range=(-2 * np.pi, 2 * np.pi), path=out / "dsin.png", reference=np.cos
    )
    s.picture(Path(path), "sin, its derivative by autograd-lab, finite differences, and cos")
    s.summary = "plotted d/dx sin(x) against cos(x)"
    return s


def step_perceptron(out: Path, quick: bool) -> Section:
    s = Section("5. A perceptron trained on the MNIST sample shipped in the package")
    os.environ.setdefault("AUTOGRAD_LAB_OFFLINE", "1")
    try:
        from keras_models import inspection
        from keras_models.data import load_mnist
        from keras_models.models import create_perceptron
        from keras_models.training import train
    except ImportError as exc:
        s.skipped = f"Keras is not installed ({exc})"
        return s
    data = load_mnist(nval=500, limit=1500 if quick else None)
    (x_test, y_test) = data[2]
    epochs = 2 if quick else 5
    model = create_perceptron()
    kernel, bias = (w.copy() for w in model.get_weights())  # the engine starts from these too
    result = train(
        model,
        data,
        optimizer="sgd",
        learning_rate=0.5,
        batch_size=64,
        epochs=epochs,
        verbose=0,
        seed=0,
    )
    inspection.plot_history(result.history, out / "perceptron_curves.png")
    y_pred = inspection.predict_classes(model, x_test)
    cm = inspection.confusion_matrix(y_test.argmax(1), y_pred)
    inspection.plot_confusion_matrix(cm, out / "perceptron_confusion.png")
    inspection.plot_perceptron_weights(model, out / "perceptron_weights.png")
    accuracy = float(cm.trace() / cm.sum())
    pairs = inspection.most_confused_pairs(cm, k=3)
    s.text(
        f"Keras ({len(data[0][0])} training images from {html.escape(str(data.source))}): "
        f"test accuracy <b>{accuracy:.3f}</b> on {len(y_test)} test images. Most confused "
        "(true → predicted, count): " + ", ".join(f"{t} → {p} ({n})" for t, p, n in pairs) + "."
    )
    s.picture(out / "perceptron_curves.png", "loss and accuracy, training and validation")
    s.picture(out / "perceptron_confusion.png", "confusion matrix on the test images")
    s.picture(out / "perceptron_weights.png", "the ten weight maps: what each class looks for")

    from autograd_lab.training import EngineModel, fit

    engine = EngineModel(
        "perceptron",
        {"output/kernel": kernel, "output/bias": bias},
        optimizer="sgd",
        learning_rate=0.5,
    )
    engine_result = fit(engine, data, epochs=epochs, batch_size=64, seed=0, progress=False)
    _, engine_accuracy = engine.evaluate(x_test, y_test)
    inspection.plot_history(engine_result.history, out / "engine_curves.png")
    inspection.plot_weight_maps(
        engine.get_weights()["output/kernel"], out / "engine_weights.png"
    )
    s.text(
        "The same perceptron, from the same initial weights, trained by autograd-lab's own "
        "engine: its graph is built from <code>Variable</code>, <code>matmul</code> and "
        "<code>softmax_cross_entropy_with_logits</code>, and each step runs the ops that "
        f"<code>gradients</code> added. Test accuracy <b>{engine_accuracy:.3f}</b>."
    )
    s.picture(out / "engine_curves.png", "the engine's loss and accuracy curves")
    s.picture(out / "engine_weights.png", "the engine's ten weight maps")
    summary = (
        f"perceptron test accuracy: Keras {accuracy:.3f}, autograd-lab {engine_accuracy:.3f}"
    )
    s.summary = summary
    return s


STEPS: list[Callable[[Path, bool], Section]] = [
    step_session,
    step_graphs,
    step_derivative,
    step_plot,
    step_perceptron,
]


# ---- the page ---------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
pre { background: #f5f5f5; padding: .8em; overflow-x: auto; font-size: 13px; }
img { max-width: 100%; border: 1px solid #ddd; margin: .5em 0; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 14px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc;
padding: 3px 6px; } .skipped { color: #a60; }
"""


def write_page(sections: list[Section], out: Path, seconds: float) -> Path:
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>autograd-lab tour"
        f"</title><style>{STYLE}</style></head><body><h1>autograd-lab: a tour</h1>",
        "<p>How a graph of operators is built, run and differentiated, then checked "
        "against finite differences and TensorFlow, before any neural network.</p><ul>",
    ]
    parts += [
        f"<li><a href='#s{i}'>{html.escape(s.title)}</a> — {html.escape(s.summary)}</li>"
        for i, s in enumerate(sections)
    ]
    parts.append("</ul>")
    for i, s in enumerate(sections):
        parts.append(f"<h2 id='s{i}'>{html.escape(s.title)}</h2>")
        if s.skipped:
            parts.append(f"<p class='skipped'>Skipped: {html.escape(s.skipped)}</p>")
        for kind, content in s.blocks:
            if kind == "p":
                parts.append(f"<p>{content}</p>")
            elif kind == "pre":
                parts.append(f"<pre>{html.escape(content)}</pre>")
            else:
                name, caption = content.split("|", 1)
                parts.append(
                    f"<figure><a href='{name}'><img src='{name}' alt='"
                    f"{html.escape(caption)}'></a><figcaption>{html.escape(caption)}"
                    "</figcaption></figure>"
                )
    parts.append(f"<p><small>Written in {seconds:.0f} s.</small></p></body></html>")
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
    return path


def run_tour(out: Path, quick: bool = False, progress: bool = True) -> list[Section]:
    """Run every step into `out` and write `out/index.html`; a failing step is reported."""
    from rich.progress import Progress

    out.mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    start = time.perf_counter()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("tour", total=len(STEPS))
        for step in STEPS:
            bar.update(task, description=step.__name__.replace("step_", ""))
            try:
                section = step(out, quick)
            except ImportError as exc:
                section = Section(step.__doc__ or step.__name__, skipped=f"missing: {exc}")
            except Exception as exc:  # one broken step must not hide the others
                log.exception("tour step %s failed", step.__name__)
                section = Section(step.__name__, skipped=f"failed: {type(exc).__name__}: {exc}")
            sections.append(section)
            bar.advance(task)
    write_page(sections, out, time.perf_counter() - start)
    return sections


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tour", help="the guided tour, written as a browsable folder")
    p.add_argument("--out", default="tour-output", help="folder to write (default tour-output)")
    p.add_argument("--quick", action="store_true", help="train on a small slice (for tests)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    out = Path(args.out)
    sections = run_tour(out, quick=args.quick)
    for s in sections:
        mark = "[yellow]skipped[/]" if s.skipped else "[green]done[/]"
        console.print(f"{mark}  {s.title}: {s.summary or s.skipped}")
    console.print(f"Open {(out / 'index.html').resolve()} in a browser.")
    return 1 if any(s.skipped and s.skipped.startswith("failed") for s in sections) else 0
