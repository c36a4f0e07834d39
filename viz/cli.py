"""`autograd-lab explain`, `render` and `plot`: the chain rule, graph pictures and plots.

Formulas go through `autograd_lab.parse` (an allowlist parser, never eval) and `--at` values
through `ast.literal_eval`. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from typing import Any

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def parse_at(items: list[str] | None) -> dict[str, Any]:
    """`["x=0.5", "y=[1, 2]"]` or `["x=0.5,y=2"]` -> {"x": 0.5, "y": [1, 2]}."""
    out: dict[str, Any] = {}
    for item in items or []:
        for part in re.split(r",\s*(?=[A-Za-z][A-Za-z0-9_]*\s*=)", item):
            name, sep, text = part.partition("=")
            name = name.strip()
            if not sep or not _NAME.match(name):
                raise ValueError(f"--at expects NAME=VALUE, e.g. x=0.5; got {part!r}")
            try:
                value = ast.literal_eval(text.strip())
            except (ValueError, SyntaxError):
                raise ValueError(
                    f"--at {name}: {text.strip()!r} is not a number or a list of numbers"
                ) from None
            if not _is_numeric(value):
                raise ValueError(
                    f"--at {name}: expected a number or nested list of numbers, got {value!r}"
                )
            out[name] = value
    return out


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return (
        isinstance(value, (list, tuple))
        and len(value) > 0
        and all(_is_numeric(v) for v in value)
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `explain`, `render` and `plot` sub-commands."""
    p = subparsers.add_parser(
        "explain",
        help="narrate the chain rule, step by step, for a formula",
        description="Walk the backward pass of a formula op by op: the rule, the gradient "
        "flowing in, the local derivative and their product.",
    )
    p.add_argument("expression", help='a formula such as "sin(2*x)"')
    p.add_argument(
        "--wrt",
        action="append",
        metavar="NAME",
        help="differentiate with respect to NAME (repeatable; default: all names)",
    )
    p.add_argument(
        "--at",
        action="append",
        metavar="NAME=VALUE",
        help="evaluate at a point, e.g. --at x=0.5 (repeatable)",
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--html", metavar="PATH", help="write a step-by-step HTML playback")
    p.add_argument("--gif", metavar="PATH", help="write the playback as an animated GIF")
    p.set_defaults(func=run_explain)

    r = subparsers.add_parser(
        "render",
        help="draw the graph of a formula (and its gradient graph) with Graphviz",
        description="Draw a formula's graph as SVG, PNG, PDF or DOT (by the suffix of -o).",
    )
    r.add_argument(
        "expression",
        nargs="?",
        help='a formula such as "sin(2*x)" (or use --graphdef for a saved TensorFlow graph)',
    )
    r.add_argument(
        "--graphdef",
        metavar="FILE",
        help="draw a saved TensorFlow GraphDef (binary .pb or text .pbtxt), not a formula",
    )
    r.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="file to write: .svg, .png, .pdf or .dot (default graph.svg)",
    )
    r.add_argument(
        "--gradients",
        action="store_true",
        help="add the gradient graph that autograd_lab.gradients builds",
    )
    r.add_argument(
        "--wrt",
        action="append",
        metavar="NAME",
        help="with --gradients: differentiate with respect to NAME (repeatable)",
    )
    r.add_argument(
        "--at",
        action="append",
        metavar="NAME=VALUE",
        help="run the graph at a point and write values (and gradients) on it",
    )
    r.add_argument(
        "--tensorflow",
        action="store_true",
        help="draw TensorFlow's gradient graph beside autograd-lab's",
    )
    r.add_argument(
        "--collapse",
        type=int,
        default=0,
        metavar="DEPTH",
        help="collapse name scopes deeper than DEPTH into one node each",
    )
    r.add_argument("--max-nodes", type=int, default=200, help="draw at most this many nodes")
    r.set_defaults(func=run_render)

    q = subparsers.add_parser(
        "plot",
        help="plot a function of x, its derivative and finite differences (PNG)",
    )
    q.add_argument("expression", help='a formula of one variable, such as "sin(x)"')
    q.add_argument("-o", "--output", default="derivative.png", help="PNG file to write")
    q.add_argument(
        "--range", nargs=2, type=float, metavar=("LOW", "HIGH"), help="x range (default -2π 2π)"
    )
    q.set_defaults(func=run_plot)


def _message(exc: BaseException) -> str:
    """An exception's message; KeyError's own quotes left out."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _names(expr: Any, wanted: list[str] | None) -> list[str]:
    names = wanted or list(expr.inputs)
    unknown = [n for n in names if n not in expr.inputs]
    if unknown:
        raise KeyError(
            f"{', '.join(unknown)} not in {expr.text!r} (its names: "
            f"{', '.join(expr.inputs) or 'none'})"
        )
    if not names:
        raise KeyError(f"{expr.text!r} has no variables to differentiate")
    return names


def run_explain(args: argparse.Namespace) -> int:
    from autograd_lab import parse
    from autograd_lab.errors import AutogradLabError

    from .explain import explain

    try:
        at = parse_at(args.at)
        expr = parse(args.expression)
        names = _names(expr, args.wrt)
        if at:
            expr.feed_dict(at)  # a missing or unknown name is reported here, by name
        result = explain(expr.output, names, at=at or None)
    except (AutogradLabError, ValueError, KeyError, TypeError) as exc:
        return _fail(_message(exc))
    print(result.to_markdown() if args.markdown else result)
    if args.html or args.gif:
        from .graphviz_render import GraphvizMissingError
        from .playback import write_gif, write_html

        try:
            if args.html:
                print(f"wrote {write_html(result, args.html)}")
            if args.gif:
                print(f"wrote {write_gif(result, args.gif)}")
        except GraphvizMissingError as exc:
            return _fail(str(exc), 3)
    return 0


def run_render(args: argparse.Namespace) -> int:
    from autograd_lab import gradients, parse
    from autograd_lab.errors import AutogradLabError

    from .graphviz_render import GraphvizMissingError, render

    if (args.expression is None) == (args.graphdef is None):
        return _fail("give either a formula or --graphdef FILE")
    try:
        if args.graphdef is not None:
            from .tensorflow_graphs import load_graphdef, render_tf

            picture = render_tf(
                load_graphdef(args.graphdef),
                collapse_scopes=args.collapse,
                max_nodes=args.max_nodes,
                title=str(args.graphdef),
            )
            path = picture.save(args.output)
            print(f"wrote {path}")
            return 0
        at = parse_at(args.at)
        if args.tensorflow:
            from .tensorflow_graphs import side_by_side

            picture = side_by_side(
                args.expression,
                wrt=args.wrt,
                at=at or None,
                collapse_scopes=args.collapse,
                max_nodes=args.max_nodes,
            )
            path = picture.save(args.output)
            print(f"wrote {path}")
            return 0
        expr = parse(args.expression)
        if at:
            expr.feed_dict(at)
        targets = [expr.output]
        if args.gradients:
            names = _names(expr, args.wrt)
            with expr.graph.as_default():
                grads = gradients(expr.output, [expr.inputs[n] for n in names])
            targets += [g for g in grads if g is not None]
        picture = render(
            targets,
            gradients=bool(args.gradients),
            feed_dict=at or None,
            grads_of=expr.output if at and expr.inputs else None,
            collapse_scopes=args.collapse,
            max_nodes=args.max_nodes,
            title=args.expression,
        )
        path = picture.save(args.output)
    except GraphvizMissingError as exc:
        return _fail(str(exc), 3)
    except ImportError as exc:
        return _fail(str(exc))
    except (AutogradLabError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
        return _fail(_message(exc))
    print(f"wrote {path}")
    return 0


def run_plot(args: argparse.Namespace) -> int:
    import math

    from autograd_lab.errors import AutogradLabError

    from .plots import plot_derivative

    x_range = tuple(args.range) if args.range else (-2 * math.pi, 2 * math.pi)
    try:
        path = plot_derivative(args.expression, x_range, path=args.output)
    except (AutogradLabError, ValueError, KeyError, TypeError) as exc:
        return _fail(_message(exc))
    print(f"wrote {path}")
    return 0
