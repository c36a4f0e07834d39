"""`autograd-lab compare` and `autograd-lab check`: gradients of a formula, verified.

    autograd-lab compare "sin(2*x) * exp(x)" --at x=0.3
    autograd-lab check "x * log(y)" --at x=0.3,y=2 --second-order
    autograd-lab check "reduce_sum(x * x)" --at "x=[1, 2, 3]"

Values are read with `ast.literal_eval` only: numbers and (nested) lists of numbers.
"""

from __future__ import annotations

import argparse
import ast
import sys
from typing import Any


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets: `x=[1,2],y=3` -> two parts."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth < 0:
                raise argparse.ArgumentTypeError(f"unbalanced brackets in {text!r}")
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise argparse.ArgumentTypeError(f"unbalanced brackets in {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(_is_numeric(v) for v in value)
    return False


def _not_a_number(name: str, raw: str) -> str:
    return f"the value of {name} must be a number or a list of numbers, got {raw.strip()!r}"


def parse_at(text: str) -> dict[str, Any]:
    """`x=0.3,y=[1,2]` as {"x": 0.3, "y": [1, 2]}; anything but numbers is refused."""
    values: dict[str, Any] = {}
    for part in _split_top_level(text):
        name, sep, raw = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {part!r}")
        if not name.isidentifier():
            raise argparse.ArgumentTypeError(f"{name!r} is not a valid input name")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise argparse.ArgumentTypeError(_not_a_number(name, raw)) from None
        if not _is_numeric(value):
            raise argparse.ArgumentTypeError(_not_a_number(name, raw))
        if name in values:
            raise argparse.ArgumentTypeError(f"{name} is given twice")
        values[name] = value
    if not values:
        raise argparse.ArgumentTypeError("--at needs at least one NAME=VALUE")
    return values


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help='a formula, e.g. "sin(2*x) * exp(y)"')
    p.add_argument(
        "--at",
        type=parse_at,
        action="append",
        required=True,
        metavar="NAME=VALUE[,NAME=VALUE...]",
        help="where to evaluate: x=0.3,y=2 or x=[1,2,3] (repeatable)",
    )
    p.add_argument("--wrt", help="comma-separated inputs to differentiate (default: all)")
    p.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="dtype of the graph (default float64)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare",
        help="gradients by autograd-lab, TensorFlow (3 ways), finite differences",
        description="Gradients of a formula side by side: autograd-lab, tf.GradientTape, "
        "tf.gradients, a tf.function tape and finite differences.",
    )
    _common(p)
    p.set_defaults(func=run_compare)
    c = subparsers.add_parser(
        "check",
        help="check a formula's gradient and every derivative rule it uses",
        description="Check the gradient of a formula and each op's rule on the way against "
        "central finite differences; exit code 1 when a check fails.",
    )
    _common(c)
    c.add_argument(
        "--second-order", action="store_true", help="also check the gradient of the gradient"
    )
    c.set_defaults(func=run_check)


def _merged(at: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in at:
        for name, value in part.items():
            if name in values:
                raise ValueError(f"{name} is given twice in --at")
            values[name] = value
    return values


def _prepare(args: argparse.Namespace) -> tuple[Any, dict[str, Any], list[str] | None]:
    import numpy as np

    from ..expression import parse

    at = _merged(args.at)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in at.items()}
    expr = parse(
        args.expression, dtype=args.dtype, shapes={k: v.shape for k, v in arrays.items()}
    )
    missing = [n for n in expr.inputs if n not in arrays]
    if missing:
        raise ValueError(f"no value given for {', '.join(missing)}: add it to --at")
    unknown = [n for n in arrays if n not in expr.inputs]
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} not in the formula (its inputs: "
            f"{', '.join(expr.inputs) or 'none'})"
        )
    wrt = None
    if args.wrt:
        wrt = [w.strip() for w in args.wrt.split(",") if w.strip()]
        bad = [w for w in wrt if w not in expr.inputs]
        if bad:
            raise ValueError(f"--wrt names {', '.join(bad)}, which the formula does not use")
    return expr, arrays, wrt


def _fail(exc: Exception) -> int:
    print(f"autograd-lab: error: {exc}", file=sys.stderr)
    return 2


def run_compare(args: argparse.Namespace) -> int:
    """Print the side-by-side table; exit code 1 when some method disagrees."""
    from ..errors import AutogradLabError
    from .compare import compare

    try:
        expr, at, wrt = _prepare(args)
        report = compare(expr, at=at, wrt=wrt, dtype=args.dtype)
    except (AutogradLabError, ValueError, KeyError, TypeError) as exc:
        return _fail(exc)
    if args.json:
        import json

        print(json.dumps(report.to_dict(), indent=2))
    else:
        report.render()
    return 0 if report.ok else 1


def run_check(args: argparse.Namespace) -> int:
    """Print the check report; exit code 1 when a derivative disagrees."""
    from ..errors import AutogradLabError
    from .checks import check_gradients

    try:
        expr, at, wrt = _prepare(args)
        report = check_gradients(
            expr, wrt, at=at, dtype=args.dtype, second_order=args.second_order
        )
    except (AutogradLabError, ValueError, KeyError, TypeError) as exc:
        return _fail(exc)
    if args.json:
        import json

        print(json.dumps(report.to_dict(), indent=2, default=float))
    else:
        print(report)
    return 0 if report.ok else 1
