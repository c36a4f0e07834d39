"""Side by side: autograd-lab's gradients, TensorFlow's three ways, and finite differences.

`compare("sin(2*x) * exp(x)", at={"x": 0.3})` returns a `ComparisonReport` with one row per
input: our gradient, `tf.GradientTape`'s, TF1 `tf.gradients`', a `tf.function` tape's and the
finite-difference estimate, their largest errors against ours and a verdict; plus how many
ops each side's gradient added to its graph. Without TensorFlow the TF columns say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import dtypes as _dtypes
from .. import tensorflow_bridge as bridge
from ..expression import Expression, parse
from ..formulas import to_text
from ..gradients import gradients
from ..graph import Tensor
from ..session import Session
from .checks import (
    _as_tensor,
    _resolve,
    _resolve_one,
    clone_graph,
    label,
    numeric_gradient,
)
from .tolerances import Tolerance, agreement, finite_difference

OURS = "autograd-lab"
COLUMNS = (OURS, "tf.GradientTape", "tf.gradients", "tf.function tape", "finite differences")
_HEADERS = {
    OURS: "autograd-lab",
    "tf.GradientTape": "GradientTape",
    "tf.gradients": "tf.gradients",
    "tf.function tape": "tf.function",
    "finite differences": "finite diff.",
}
_TF_MODES = {
    "tf.GradientTape": "tape",
    "tf.gradients": "tf.gradients",
    "tf.function tape": "function",
}


@dataclass
class CompareRow:
    """One input: its value, the gradient from each method, errors against ours, verdict."""

    name: str
    value: np.ndarray
    gradients: dict[str, np.ndarray | None]
    unavailable: dict[str, str]
    errors: dict[str, tuple[float, float, bool]]

    @property
    def max_abs_error(self) -> float:
        return max((e[0] for e in self.errors.values()), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((e[1] for e in self.errors.values()), default=0.0)

    @property
    def ok(self) -> bool:
        return all(e[2] for e in self.errors.values())


@dataclass
class ComparisonReport:
    """The comparison of one formula at one point; see `render`, `to_dict`, `to_records`."""

    formula: str
    dtype: str
    rows: list[CompareRow]
    value: np.ndarray | list
    tf_value: np.ndarray | list | None
    ops_added: dict[str, int | None]
    tolerances: dict[str, Tolerance]
    tensorflow: str | None = None  # why TensorFlow columns are missing; None when present
    notes: list[str] = field(default_factory=list)
    values_agree: bool = True  # forward values equal TensorFlow's (True when not compared)

    @property
    def ok(self) -> bool:
        return self.values_agree and all(r.ok for r in self.rows)

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per input: DataFrame-friendly, `pandas.DataFrame(records)`."""
        records = []
        for r in self.rows:
            rec: dict[str, Any] = {"input": r.name, "value": _plain(r.value)}
            for col in COLUMNS:
                rec[col] = _plain(r.gradients.get(col))
            for col, (err, rel, _ok) in r.errors.items():
                rec[f"abs error {col}"] = err
                rec[f"rel error {col}"] = rel
            rec.update(max_abs_error=r.max_abs_error, max_rel_error=r.max_rel_error, ok=r.ok)
            records.append(rec)
        return records

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as JSON-ready Python values."""
        return {
            "formula": self.formula,
            "dtype": self.dtype,
            "ok": self.ok,
            "value": _plain(self.value),
            "tensorflow_value": _plain(self.tf_value),
            "tensorflow": self.tensorflow or "available",
            "ops_added": dict(self.ops_added),
            "tolerances": {
                k: {"atol": t.atol, "rtol": t.rtol, "reason": t.reason}
                for k, t in self.tolerances.items()
            },
            "rows": [
                {**rec, "unavailable": dict(r.unavailable)}
                for rec, r in zip(self.to_records(), self.rows)
            ],
            "notes": list(self.notes),
        }

    def render(self, console: Any = None) -> None:
        """Print the table with rich (to `console`, or a new one on stdout)."""
        from rich.console import Console

        if console is None:
            console = Console()
            if not console.is_terminal:  # piped: do not squeeze the table into 80 columns
                console = Console(width=max(console.width, 150))
        console.print(self)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(
            title=f"gradient of {self.formula}   ({self.dtype})", title_justify="left"
        )
        table.add_column("input", no_wrap=True)
        table.add_column("value", justify="right", overflow="fold")
        for col in COLUMNS:
            table.add_column(_HEADERS[col], justify="right", overflow="fold")
        table.add_column("max |err|", justify="right", no_wrap=True)
        table.add_column("max rel", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True)
        for r in self.rows:
            cells = [r.name, _fmt(r.value)]
            for col in COLUMNS:
                if col in r.unavailable:
                    cells.append("[dim]unavailable[/dim]")
                else:
                    g = r.gradients.get(col)
                    cells.append("None" if g is None else _fmt(g))
            cells += [
                f"{r.max_abs_error:.1e}",
                f"{r.max_rel_error:.1e}",
                "[green]ok[/green]" if r.ok else "[bold red]FAIL[/bold red]",
            ]
            table.add_row(*cells)
        lines = [
            Text.assemble(
                "f = ",
                _fmt(self.value),
                "" if self.tf_value is None else f"   (TensorFlow: {_fmt(self.tf_value)})",
            )
        ]
        sizes = ", ".join(
            f"{k}: {'n/a' if v is None else v}" for k, v in self.ops_added.items()
        )
        lines.append(Text(f"ops added by the gradient: {sizes}"))
        tol = "; ".join(
            f"{k}: atol {t.atol:g}, rtol {t.rtol:g}" for k, t in self.tolerances.items()
        )
        lines.append(Text(f"errors are against {OURS}'s gradient; tolerances {tol}"))
        if self.tensorflow:
            lines.append(
                Text(f"TensorFlow columns unavailable: {self.tensorflow}", style="yellow")
            )
        lines.extend(Text(f"note: {n}", style="yellow") for n in self.notes)
        verdict = (
            Text("PASS", style="bold green") if self.ok else Text("FAIL", style="bold red")
        )
        lines.append(Text.assemble("verdict: ", verdict))
        return Group(table, *lines)

    def __str__(self) -> str:
        from rich.console import Console

        console = Console(width=160, record=True, file=_Discard(), color_system=None)
        console.print(self)
        return console.export_text()


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _plain(value: Any) -> Any:
    if value is None:
        return None
    array = np.asarray(value)
    if array.ndim == 0:
        return array.item()
    return array.tolist()


def _fmt(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{array.item():.8g}"
    text = np.array2string(
        array, threshold=12, separator=", ", formatter={"float_kind": lambda v: f"{v:.7g}"}
    )
    return " ".join(text.split())


def _loosest(a: Tolerance, b: Tolerance) -> Tolerance:
    return Tolerance(
        max(a.step, b.step),
        max(a.atol, b.atol),
        max(a.rtol, b.rtol),
        f"the looser of: {a.reason} / {b.reason}",
    )


def _error(
    ours: np.ndarray | None, theirs: np.ndarray | None, tol: Tolerance
) -> tuple[float, float, bool]:
    """Max abs and rel error of `theirs` against `ours`; None means a zero gradient."""
    if ours is None and theirs is None:
        return 0.0, 0.0, True
    a = np.zeros_like(np.asarray(theirs)) if ours is None else np.asarray(ours, np.float64)
    b = np.zeros_like(a) if theirs is None else np.asarray(theirs, np.float64)
    if a.shape != b.shape:
        return float("inf"), float("inf"), False
    if a.size == 0:
        return 0.0, 0.0, True
    diff = np.abs(a - b)
    ok = bool(np.all(diff <= tol.atol + tol.rtol * np.abs(a)))
    rel = diff / np.maximum(np.abs(a), tol.atol)
    return float(diff.max()), float(rel.max()), ok


def compare(
    expr_or_outputs: Any,
    at: dict[Any, Any],
    wrt: Sequence[Any] | None = None,
    *,
    dtype: Any = _dtypes.float64,
    finite_differences: bool = True,
) -> ComparisonReport:
    """Gradients of a formula (string or `Expression`) or of tensors, every way, at `at`.

    A string is parsed in `dtype` with shapes taken from the values in `at`; `wrt` names
    (or tensors) the inputs to differentiate, all of `at` by default.
    """
    if isinstance(expr_or_outputs, str):
        shapes = {k: np.shape(v) for k, v in at.items()}
        expr_or_outputs = parse(expr_or_outputs, dtype=dtype, shapes=shapes)
    names: dict[str, Tensor] = {}
    if isinstance(expr_or_outputs, Expression):
        names = dict(expr_or_outputs.inputs)
        unknown = [k for k in at if isinstance(k, str) and k not in names]
        if unknown:
            raise KeyError(
                f"{', '.join(unknown)} not in {expr_or_outputs.text!r} (its names: "
                f"{', '.join(names) or 'none'})"
            )
        outputs = [expr_or_outputs.output]
    else:
        items = (
            expr_or_outputs if isinstance(expr_or_outputs, (list, tuple)) else [expr_or_outputs]
        )
        outputs = [_as_tensor(o) for o in items]
    graph = outputs[0].graph
    feeds = _resolve(graph, at, names)
    missing = [n for n, t in names.items() if t not in feeds]
    if missing:
        raise KeyError(f"no value given for {', '.join(missing)}")
    if wrt is None:
        xs = [t for t in feeds if t.dtype.is_floating]
    else:
        xs = [_resolve_one(graph, w, names) for w in wrt]
    if not xs:
        raise ValueError("nothing to differentiate: no float input given")

    # Ours, on a copy so that the caller's graph does not grow.
    clone, mapping = clone_graph(outputs + xs, None)
    ys_c, xs_c = [mapping[y] for y in outputs], [mapping[x] for x in xs]
    feeds_c = {
        mapping[t]: np.asarray(v, dtype=mapping[t].dtype.np)
        for t, v in feeds.items()
        if t in mapping
    }
    before = len(clone)
    grads_c = gradients(ys_c, xs_c)
    ops_added: dict[str, int | None] = {OURS: len(clone) - before, "tf.gradients": None}
    with Session(graph=clone) as sess:
        fetch = [g for g in grads_c if g is not None]
        values, got = sess.run([ys_c, fetch], feeds_c)
    it = iter(got)
    ours = [None if g is None else np.asarray(next(it)) for g in grads_c]
    work_dtype = _dtypes.as_dtype(ys_c[0].dtype)
    tf_tol = agreement(work_dtype)
    fd_tol = _loosest(finite_difference(_dtypes.float64), agreement(work_dtype))
    tolerances = {"TensorFlow": tf_tol, "finite differences": fd_tol}

    columns: dict[str, list[np.ndarray | None]] = {OURS: ours}
    unavailable: dict[str, str] = {}
    tf_value = None
    tf_reason = None
    try:
        bridge.import_tensorflow()
    except ImportError as exc:
        tf_reason = str(exc)
        unavailable.update(dict.fromkeys(_TF_MODES, tf_reason))
    if tf_reason is None:
        for col, mode in _TF_MODES.items():
            try:
                result = bridge.gradients(outputs, xs, feeds, mode=mode)
            except Exception as exc:  # a failing mode is reported, not fatal
                unavailable[col] = f"{type(exc).__name__}: {exc}"
                continue
            columns[col] = result.gradients
            if mode == "tf.gradients":
                ops_added["tf.gradients"] = result.gradient_ops
            if tf_value is None:
                tf_value = result.values[0] if len(result.values) == 1 else result.values
    if finite_differences:
        columns["finite differences"] = list(numeric_gradient(outputs, xs, feeds))
    else:
        unavailable["finite differences"] = "not computed (finite_differences=False)"

    rows = []
    for i, x in enumerate(xs):
        grads = {col: vals[i] for col, vals in columns.items()}
        errs = {}
        for col, g in grads.items():
            if col == OURS:
                continue
            tol = fd_tol if col == "finite differences" else tf_tol
            errs[col] = _error(ours[i], g, tol)
        rows.append(
            CompareRow(
                label(x),
                np.asarray(feeds[x]),
                grads,
                {c: why for c, why in unavailable.items()},
                errs,
            )
        )
    value = values[0] if len(values) == 1 else values
    notes = []
    values_agree = True
    if tf_value is not None:
        diff = _error(np.asarray(value), np.asarray(tf_value), tf_tol)
        values_agree = diff[2]
        if not values_agree:
            notes.append(f"forward values differ from TensorFlow's by {diff[0]:.3g}")
    report = ComparisonReport(
        formula="; ".join(to_text(y) for y in outputs),
        dtype=work_dtype.name,
        rows=rows,
        value=value,
        tf_value=tf_value,
        ops_added=ops_added,
        tolerances=tolerances,
        tensorflow=tf_reason,
        notes=notes,
        values_agree=values_agree,
    )
    return report
