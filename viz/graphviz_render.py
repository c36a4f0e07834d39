"""Pictures of graphs with Graphviz: forward ops, the gradient ops `gradients` added, values.

Ops are nodes (type and name), tensors are edges (name, dtype, shape). Placeholders,
variables and constants have their own shapes and colours; the ops of each `X_grad` name
scope form a cluster with a dashed link to the forward op `X` whose rule built them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lab.files import atomic_write

__all__ = [
    "GraphPicture",
    "GraphvizMissingError",
    "OpInfo",
    "TensorInfo",
    "atomic_write",
    "build_digraph",
    "format_value",
    "render",
]

INSTALL_HINT = (
    "The Graphviz 'dot' program was not found on PATH. Install Graphviz: "
    "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
    "'conda install -c conda-forge graphviz' (conda), or see https://graphviz.org/download/."
)
GRADIENT_ROOT = re.compile(r"^(gradients(?:_\d+)?|gradient_tape)(/|$)")

_LEAF_STYLE = {
    "Placeholder": {"shape": "ellipse", "style": "filled", "fillcolor": "#cfe2ff"},
    "PlaceholderWithDefault": {"shape": "ellipse", "style": "filled", "fillcolor": "#cfe2ff"},
    "VariableV2": {"shape": "cylinder", "style": "filled", "fillcolor": "#fff3b0"},
    "VarHandleOp": {"shape": "cylinder", "style": "filled", "fillcolor": "#fff3b0"},
    "ReadVariableOp": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff9d6"},
    "Const": {"shape": "note", "style": "filled", "fillcolor": "#eeeeee", "fontsize": "10"},
}
_OP_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
_GRAD_STYLE = {
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": "#ffe0cc",
    "color": "#c55a11",
}
_GHOST_STYLE = {
    "shape": "box",
    "style": "rounded,dashed",
    "color": "#999999",
    "fontcolor": "#777777",
}
_SCOPE_STYLE = {"shape": "box3d", "style": "filled", "fillcolor": "#e8f5e9"}
_HIGHLIGHT = {"penwidth": "3", "color": "#d62728", "fillcolor": "#fff176"}


class GraphvizMissingError(RuntimeError):
    """Raised when a picture needs the Graphviz `dot` program and it is not installed."""


# ---- a neutral description of a graph, shared by autograd-lab and TensorFlow graphs ----
@dataclass
class TensorInfo:
    """One edge: the tensor's name, dtype and static shape, and the op that makes it."""

    name: str
    source: str
    dtype: str
    shape: str


@dataclass
class OpInfo:
    """One node: an op's name, type, inputs, and (for constants) its value."""

    name: str
    type: str
    inputs: list[TensorInfo] = field(default_factory=list)
    value: Any = None
    formula: str | None = None  # the derivative rule of the op, for gradient clusters
    outputs: list[str] = field(default_factory=list)


def shape_text(shape: Any) -> str:
    """A static shape as `(2, ?)`, `()` for scalars, `?` when even the rank is unknown."""
    dims = getattr(shape, "dims", shape)
    if dims is None:
        return "?"
    try:
        dims = [None if d is None else int(getattr(d, "value", d)) for d in dims]
    except (TypeError, ValueError):
        return "?"
    inner = ", ".join("?" if d is None else str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def format_value(value: Any, digits: int = 4) -> str:
    """A value for a label: scalars in full, arrays as shape, min and max."""
    if value is None:
        return "-"
    array = np.asarray(value)
    if array.ndim == 0 or array.size == 1:
        item = array.reshape(-1)[0] if array.size else array
        if array.dtype.kind == "b":
            return str(bool(item))
        if array.dtype.kind in "iu":
            return str(int(item))
        if array.dtype.kind == "f":
            return f"{float(item):.{digits + 2}g}"
        return str(item)
    if array.size == 0:
        return f"empty {tuple(array.shape)}"
    if array.dtype.kind == "b":
        return f"{tuple(array.shape)} {int(array.sum())} true"
    if array.dtype.kind not in "iuf":
        return f"{array.dtype} {tuple(array.shape)}"
    with np.errstate(all="ignore"):
        lo, hi = float(np.nanmin(array)), float(np.nanmax(array))
    return f"{tuple(array.shape)} min {lo:.{digits}g} max {hi:.{digits}g}"


def gradient_group(name: str, known: Iterable[str]) -> tuple[str, str | None] | None:
    """For an op in a gradients scope: (its `X_grad` scope, the forward op X), else None.

    `gradients/Sin_grad/Cos` gives ("gradients/Sin_grad", "Sin"); the seed and the sums
    give ("gradients", None). The longest forward name that exists wins, which handles
    scopes inside scopes and gradients of gradients.
    """
    m = GRADIENT_ROOT.match(name)
    if not m:
        return None
    root = m.group(1)
    rest = name[len(root) + 1 :]
    known = set(known)
    best: tuple[str, str | None] = (root, None)
    for hit in re.finditer(r"_grad(?=/|$)", rest):
        candidate = rest[: hit.start()]
        if candidate in known:
            best = (f"{root}/{rest[: hit.end()]}", candidate)
    return best


# ---- the picture ---------------------------------------------------------------------
class GraphPicture:
    """A rendered graph: DOT source, files in SVG/PNG/PDF, inline display in Jupyter."""

    def __init__(self, digraph: Any) -> None:
        self.digraph = digraph

    @property
    def source(self) -> str:
        """The DOT source of the picture."""
        return self.digraph.source

    def pipe(self, format: str = "svg") -> bytes:
        """The picture as bytes in `format` (svg, png, pdf, ...), made by Graphviz `dot`."""
        import graphviz

        if shutil.which("dot") is None:
            raise GraphvizMissingError(INSTALL_HINT)
        try:
            return self.digraph.pipe(format=format)
        except graphviz.ExecutableNotFound as exc:
            raise GraphvizMissingError(INSTALL_HINT) from exc

    def save(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Write the picture; the format comes from the suffix (.svg .png .pdf .dot .gv).

        Without Graphviz, the DOT source is written next to `path` (suffix .dot) and
        GraphvizMissingError says how to install it.
        """
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".") or "svg").lower()
        if fmt in ("dot", "gv"):
            return atomic_write(path, self.source)
        try:
            data = self.pipe(fmt)
        except GraphvizMissingError as exc:
            dot_path = atomic_write(path.with_suffix(".dot"), self.source)
            raise GraphvizMissingError(
                f"{exc} The DOT source was written to {dot_path}."
            ) from exc
        return atomic_write(path, data)

    def _repr_svg_(self) -> str | None:
        try:
            return self.pipe("svg").decode()
        except GraphvizMissingError:
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = self._repr_svg_()
        bundle = {"text/plain": self.source}
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle

    def __repr__(self) -> str:
        return f"<GraphPicture: {self.source.count('->')} edges>"


# ---- autograd-lab graphs -> OpInfo -----------------------------------------------------
def _as_tensor(x: Any) -> Any:
    return x._as_tensor() if hasattr(x, "_as_tensor") else x


def _targets(target: Any) -> tuple[Any, list[Any] | None]:
    """(graph, ops asked for or None for the whole graph) of what `render` was given."""
    from autograd_lab.graph import Graph, Operation, Tensor

    if isinstance(target, Graph):
        return target, None
    if (
        hasattr(target, "graph")
        and hasattr(target, "output")
        and hasattr(target, "inputs")
        and not isinstance(target, (Tensor, Operation))
    ):
        return target.graph, [target.output.op]  # an Expression
    items = target if isinstance(target, (list, tuple)) else [target]
    ops = []
    for item in items:
        item = _as_tensor(item)
        if item is None:
            continue
        if isinstance(item, Tensor):
            ops.append(item.op)
        elif isinstance(item, Operation):
            ops.append(item)
        else:
            raise TypeError(
                f"render() draws a Graph, an Expression, tensors or ops; got "
                f"{type(item).__name__}"
            )
    if not ops:
        raise ValueError("render() was given nothing to draw (a gradient of None?)")
    graph = ops[0].graph
    if any(op.graph is not graph for op in ops):
        raise ValueError("render() was given tensors of different graphs")
    return graph, ops


def _ancestors(ops: Iterable[Any]) -> set[Any]:
    seen: set[Any] = set()
    stack = list(ops)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return seen


def select_ops(graph: Any, roots: list[Any] | None, gradients: bool | str) -> list[Any]:
    """The ops to draw: ancestors of `roots` (all ops if None), gradient ops as asked."""
    all_ops = graph.get_operations()
    chosen = set(all_ops) if roots is None else _ancestors(roots)
    if gradients is True and roots is not None:
        for op in all_ops:  # gradient ops that read what was chosen
            if GRADIENT_ROOT.match(op.name) and any(t.op in chosen for t in op.inputs):
                chosen |= _ancestors([op])
    is_grad = {op: bool(GRADIENT_ROOT.match(op.name)) for op in chosen}
    if gradients is False:
        chosen = {op for op in chosen if not is_grad[op]}
    elif gradients == "only":
        chosen = {op for op in chosen if is_grad[op]}
    elif gradients is not True:
        raise ValueError(f"gradients must be True, False or 'only', got {gradients!r}")
    return sorted(chosen, key=lambda op: op._id)


def describe_ops(ops: Sequence[Any]) -> list[OpInfo]:
    """OpInfo for autograd-lab ops (constants carry their value, gradient groups a rule)."""
    from autograd_lab.derivatives import _TABLE

    infos = []
    for op in ops:
        inputs = [
            TensorInfo(t.name, t.op.name, t.dtype.name, shape_text(t.shape)) for t in op.inputs
        ]
        entry = _TABLE.get(op.type)
        infos.append(
            OpInfo(
                op.name,
                op.type,
                inputs,
                value=op.attrs.get("value") if op.type == "Const" else None,
                formula=entry.formula if entry is not None and entry.rule is not None else None,
                outputs=[t.name for t in op.outputs],
            )
        )
    return infos


# ---- values ----------------------------------------------------------------------------
def resolve_feed(graph: Any, feed: Mapping[Any, Any] | None) -> dict[Any, Any]:
    """A feed_dict whose keys may be tensors, variables, `x:0` or plain placeholder names."""
    out: dict[Any, Any] = {}
    for key, value in (feed or {}).items():
        if isinstance(key, str):
            name = key if ":" in key else f"{key}:0"
            try:
                key = graph.get_tensor_by_name(name)
            except (KeyError, ValueError):
                raise KeyError(f"no tensor named {key!r} in the graph to feed") from None
        out[_as_tensor(key)] = value
    return out


def evaluate(
    graph: Any,
    tensors: Sequence[Any],
    feed_dict: Mapping[Any, Any] | None = None,
    session: Any = None,
) -> dict[str, Any]:
    """Values of `tensors` by name; tensors that cannot be computed are left out."""
    from autograd_lab.session import Session

    feed = resolve_feed(graph, feed_dict)
    sess = session or Session(graph=graph)
    tensors = [t for t in tensors if not (t.op.stateful and t.op.type != "VariableV2")]
    try:
        values = sess.run(list(tensors), feed)
        return {t.name: v for t, v in zip(tensors, values)}
    except Exception:  # some tensor cannot be computed: go one by one
        out = {}
        for t in tensors:
            with contextlib.suppress(Exception):
                out[t.name] = sess.run(t, feed)
        return out
    finally:
        if session is None:
            sess.close()


# ---- drawing ---------------------------------------------------------------------------
def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _scope_key(name: str, depth: int) -> str | None:
    parts = name.split("/")
    return "/".join(parts[:depth]) + "/" if len(parts) > depth else None


def _node_id(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def _const_text(value: Any) -> str | None:
    if value is None:
        return None
    array = np.asarray(value)
    if array.ndim == 0:
        return format_value(array)
    if array.size <= 4:
        body = np.array2string(array, precision=4, separator=", ")
        return body if len(body) <= 40 else format_value(array)
    return format_value(array)


def _keep_near_outputs(infos: list[OpInfo], max_nodes: int) -> set[str]:
    """Names of the `max_nodes` ops closest to the graph's outputs (breadth-first)."""
    consumers: dict[str, int] = {}
    for info in infos:
        for t in info.inputs:
            consumers[t.source] = consumers.get(t.source, 0) + 1
    by_name = {info.name: info for info in infos}
    frontier = [info.name for info in reversed(infos) if info.name not in consumers]
    kept: list[str] = []
    seen = set(frontier)
    while frontier and len(kept) < max_nodes:
        nxt = []
        for name in frontier:
            if len(kept) >= max_nodes:
                break
            kept.append(name)
            for t in by_name[name].inputs:
                if t.source in by_name and t.source not in seen:
                    seen.add(t.source)
                    nxt.append(t.source)
        frontier = nxt
    return set(kept)


def build_digraph(
    infos: list[OpInfo],
    *,
    digraph: Any = None,
    prefix: str = "",
    title: str | None = None,
    values: Mapping[str, Any] | None = None,
    grads: Mapping[str, Any] | None = None,
    annotations: Mapping[str, str] | None = None,
    highlight: Iterable[str] = (),
    collapse_scopes: bool | int = False,
    max_nodes: int | None = 200,
    max_label: int = 32,
    edge_labels: bool = True,
    rankdir: str = "LR",
    known_names: Iterable[str] = (),
) -> Any:
    """A graphviz.Digraph of the ops; with `digraph`, draw into it as a titled cluster.

    `known_names` lists ops of the graph that are not drawn, for naming gradient groups.
    """
    import graphviz

    values, grads, annotations = values or {}, grads or {}, annotations or {}
    highlight = set(highlight)
    names = {info.name for info in infos}
    every_name = names | set(known_names) | {t.source for i in infos for t in i.inputs}
    depth = 1 if collapse_scopes is True else int(collapse_scopes or 0)
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")

    # Collapse scopes into single nodes.
    group_of: dict[str, str] = {}
    members: dict[str, list[OpInfo]] = {}
    for info in infos:
        key = _scope_key(info.name, depth) if depth else None
        group_of[info.name] = key or info.name
        if key:
            members.setdefault(key, []).append(info)

    visible = [info for info in infos if group_of[info.name] == info.name]
    node_count = len(visible) + len(members)
    dropped: set[str] = set()
    if max_nodes is not None and node_count > max_nodes:
        keep = _keep_near_outputs(infos, max_nodes)
        dropped = {info.name for info in infos if info.name not in keep}
        warnings.warn(
            f"graph has {node_count} nodes, more than max_nodes={max_nodes}: "
            f"{len(dropped)} ops are not drawn (pass collapse_scopes=True or a larger "
            "max_nodes)",
            stacklevel=3,
        )

    own = digraph is None
    if own:
        g = graphviz.Digraph(name=title or "graph")
        g.attr(rankdir=rankdir, compound="true", fontname="Helvetica", newrank="true")
        g.attr("node", fontname="Helvetica", fontsize="11")
        g.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
        if title:
            g.attr(label=title, labelloc="t", fontsize="16")
        body = g
    else:
        g = digraph
        body = None

    def emit(target: Any) -> None:
        grad_clusters: dict[str, list[OpInfo]] = {}
        link_to: dict[str, str] = {}
        plain: list[OpInfo] = []
        for info in visible:
            if info.name in dropped:
                continue
            group = gradient_group(info.name, every_name)
            if group is None or depth:
                plain.append(info)
                continue
            scope, forward = group
            grad_clusters.setdefault(scope, []).append(info)
            if forward is not None:
                link_to[scope] = forward
        for info in plain:
            _add_op_node(
                target,
                info,
                prefix,
                values,
                grads,
                annotations,
                highlight,
                max_label,
                gradient=bool(GRADIENT_ROOT.match(info.name)),
            )
        for key, group in members.items():
            if all(m.name in dropped for m in group):
                continue
            is_grad = bool(GRADIENT_ROOT.match(key))
            style = dict(_SCOPE_STYLE)
            if is_grad:
                style["fillcolor"] = _GRAD_STYLE["fillcolor"]
            if key in highlight or any(m.name in highlight for m in group):
                style.update(_HIGHLIGHT)
            label = f"{_short(key, max_label)}\n({len(group)} ops)"
            target.node(_node_id(prefix, key), label, **style)
        if grad_clusters:
            _add_gradient_clusters(
                target,
                grad_clusters,
                infos,
                prefix,
                values,
                grads,
                annotations,
                highlight,
                max_label,
            )
        # Ghost nodes for inputs from ops that are not drawn.
        ghosts: dict[str, int] = {}
        for info in infos:
            if info.name in dropped:
                continue
            for t in info.inputs:
                if t.source not in names:
                    ghosts[t.source] = ghosts.get(t.source, 0) + 1
        for name in ghosts:
            target.node(_node_id(prefix, name), _short(name, max_label), **_GHOST_STYLE)
        if dropped:
            target.node(
                _node_id(prefix, "__more__"),
                f"… {len(dropped)} more ops",
                shape="plaintext",
                fontcolor="#777777",
            )
        # Edges: one per tensor and consumer, merged between collapsed groups.
        seen_edges: dict[tuple[str, str], list[TensorInfo]] = {}
        for info in infos:
            if info.name in dropped:
                continue
            dst = group_of[info.name]
            for t in info.inputs:
                src = "__more__" if t.source in dropped else group_of.get(t.source, t.source)
                if src == dst:
                    continue
                seen_edges.setdefault((src, dst), []).append(t)
        for (src, dst), tensors in seen_edges.items():
            first = tensors[0]
            attrs: dict[str, str] = {}
            if edge_labels and src != "__more__":
                text = f"{_short(first.name, max_label)}\n{first.dtype} {first.shape}"
                extra = len({t.name for t in tensors}) - 1
                if extra > 0:
                    text += f"\n(+{extra} more)"
                attrs["label"] = text
            if GRADIENT_ROOT.match(dst) or GRADIENT_ROOT.match(src):
                attrs["color"] = _GRAD_STYLE["color"]
                attrs["fontcolor"] = _GRAD_STYLE["color"]
            target.edge(_node_id(prefix, src), _node_id(prefix, dst), **attrs)
        # Dashed links from gradient groups to the forward op whose rule built them.
        for scope, forward in link_to.items():
            fwd = group_of.get(forward, forward)
            if (
                fwd not in names and fwd not in members and fwd not in ghosts
            ) or fwd in dropped:
                continue
            first = grad_clusters[scope][0].name
            target.edge(
                _node_id(prefix, first),
                _node_id(prefix, fwd),
                style="dashed",
                color="#c55a11",
                arrowhead="empty",
                constraint="false",
                ltail=f"cluster_{prefix}{scope}",
                tooltip=f"{scope} came from {forward}",
            )

    if own:
        emit(body)
        return g
    with g.subgraph(name=f"cluster_{prefix}") as sub:
        sub.attr(label=title or "", fontsize="16", style="rounded", color="#888888")
        emit(sub)
    return g


def _label(
    info: OpInfo,
    values: Mapping[str, Any],
    grads: Mapping[str, Any],
    annotations: Mapping[str, str],
    max_label: int,
) -> str:
    short = info.name.rsplit("/", 1)[-1]
    if info.type in ("Placeholder", "VariableV2", "VarHandleOp", "PlaceholderWithDefault"):
        lines = [_short(info.name, max_label), info.type]
    elif info.type == "Const":
        lines = [_short(short, max_label)]
        const = _const_text(info.value)
        if const is not None:
            lines.append(const)
    elif short == info.type:
        lines = [info.type]
    else:
        lines = [info.type, _short(short, max_label)]
    out = info.outputs[0] if info.outputs else f"{info.name}:0"
    if out in values and info.type != "Const":
        lines.append(f"value = {format_value(values[out])}")
    if out in grads:
        lines.append(f"grad = {format_value(grads[out])}")
    if info.name in annotations:
        lines.append(annotations[info.name])
    return "\n".join(lines)


def _add_op_node(
    target: Any,
    info: OpInfo,
    prefix: str,
    values: Mapping[str, Any],
    grads: Mapping[str, Any],
    annotations: Mapping[str, str],
    highlight: set[str],
    max_label: int,
    gradient: bool,
) -> None:
    style = dict(_LEAF_STYLE.get(info.type, _GRAD_STYLE if gradient else _OP_STYLE))
    if gradient and info.type == "Const":
        style["fillcolor"] = "#ffe0cc"
    if info.name in highlight:
        style.update(_HIGHLIGHT)
    label = _label(info, values, grads, annotations, max_label)
    target.node(_node_id(prefix, info.name), label, tooltip=f"{info.type} {info.name}", **style)


def _add_gradient_clusters(
    target: Any,
    clusters: dict[str, list[OpInfo]],
    infos: list[OpInfo],
    prefix: str,
    values: Mapping[str, Any],
    grads: Mapping[str, Any],
    annotations: Mapping[str, str],
    highlight: set[str],
    max_label: int,
) -> None:
    by_name = {info.name: info for info in infos}
    roots: dict[str, list[str]] = {}
    for scope in clusters:
        root = scope.split("/", 1)[0]
        roots.setdefault(root, []).append(scope)
    for root, scopes in roots.items():
        with target.subgraph(name=f"cluster_{prefix}{root}") as outer:
            outer.attr(
                label=f"{root}/ (built by the chain rule)",
                style="rounded,dashed",
                color="#c55a11",
                fontcolor="#c55a11",
                fontsize="12",
            )
            for scope in scopes:
                ops = clusters[scope]
                if scope == root:
                    for info in ops:
                        _add_op_node(
                            outer,
                            info,
                            prefix,
                            values,
                            grads,
                            annotations,
                            highlight,
                            max_label,
                            gradient=True,
                        )
                    continue
                forward = scope[len(root) + 1 : -len("_grad")]
                rule = by_name[forward].formula if forward in by_name else None
                label = scope.rsplit("/", 1)[-1] if "/" in scope else scope
                if rule:
                    label += f"\n{rule}"
                with outer.subgraph(name=f"cluster_{prefix}{scope}") as inner:
                    inner.attr(
                        label=label,
                        style="rounded,filled",
                        fillcolor="#fff5ee",
                        color="#e9a17a",
                        fontsize="10",
                    )
                    for info in ops:
                        _add_op_node(
                            inner,
                            info,
                            prefix,
                            values,
                            grads,
                            annotations,
                            highlight,
                            max_label,
                            gradient=True,
                        )


def render(
    target: Any,
    path: str | os.PathLike | None = None,
    *,
    gradients: bool | str = True,
    values: Mapping[Any, Any] | None = None,
    feed_dict: Mapping[Any, Any] | None = None,
    session: Any = None,
    grads_of: Any = None,
    collapse_scopes: bool | int = False,
    max_nodes: int | None = 200,
    max_label: int = 32,
    edge_labels: bool = True,
    highlight: Iterable[str] = (),
    annotations: Mapping[str, str] | None = None,
    title: str | None = None,
    rankdir: str = "LR",
) -> GraphPicture:
    """Draw an autograd-lab graph (a Graph, an Expression, tensors or ops) with Graphviz.

    `gradients`: True draws the gradient ops that read the drawn ops too, False hides them,
    "only" draws just them. `feed_dict`/`session` run the graph to show each op's value;
    `values` gives values directly ({tensor or name: value}); `grads_of=y` also shows dy/dt
    for every drawn tensor t. With `path`, the picture is also saved (format by suffix).
    """
    graph, roots = _targets(target)
    ops = select_ops(graph, roots, gradients)
    infos = describe_ops(ops)
    shown: dict[str, Any] = {}
    if feed_dict is not None or session is not None:
        tensors = [t for op in ops for t in op.outputs]
        shown.update(evaluate(graph, tensors, feed_dict, session))
    for key, value in (values or {}).items():
        key = _as_tensor(key)
        shown[key if isinstance(key, str) else key.name] = value
    grad_values: dict[str, Any] = {}
    if grads_of is not None:
        from .explain import backward_values

        grad_values = backward_values(grads_of, feed_dict, session=session)
    digraph = build_digraph(
        infos,
        values=shown,
        grads=grad_values,
        annotations=annotations,
        highlight=highlight,
        collapse_scopes=collapse_scopes,
        max_nodes=max_nodes,
        max_label=max_label,
        edge_labels=edge_labels,
        title=title,
        rankdir=rankdir,
        known_names=[op.name for op in graph.get_operations()],
    )
    picture = GraphPicture(digraph)
    if path is not None:
        picture.save(path)
    return picture
