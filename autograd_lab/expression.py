"""Formulas as strings, turned into graphs by a parser with an allowlist: nothing is `eval`ed.

`parse("sin(2*x) * exp(y)")` reads the text with Python's `ast`, accepts only numbers, names,
arithmetic, comparisons and calls of the functions in `FUNCTIONS`, and builds the graph with
one placeholder per free name.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

from . import array_ops as A
from . import dtypes, nn
from . import math_ops as M
from .errors import AutogradLabError, ExpressionError
from .graph import Graph, Tensor

MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_NODES = 1000

FUNCTIONS: dict[str, Any] = {
    "sin": M.sin,
    "cos": M.cos,
    "tan": M.tan,
    "tanh": M.tanh,
    "exp": M.exp,
    "log": M.log,
    "sqrt": M.sqrt,
    "square": M.square,
    "abs": M.abs,
    "sign": M.sign,
    "sigmoid": M.sigmoid,
    "relu": nn.relu,
    "softmax": nn.softmax,
    "log_softmax": nn.log_softmax,
    "maximum": M.maximum,
    "minimum": M.minimum,
    "pow": M.pow,
    "where": A.where,
    "reduce_sum": M.reduce_sum,
    "reduce_mean": M.reduce_mean,
    "reduce_max": M.reduce_max,
    "reduce_min": M.reduce_min,
    "sum": M.reduce_sum,
    "mean": M.reduce_mean,
    "matmul": M.matmul,
    "transpose": A.transpose,
    "identity": A.identity,
    "stop_gradient": A.stop_gradient,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
KEYWORDS = {"axis", "keepdims"}

_BINARY = {
    ast.Add: M.add,
    ast.Sub: M.subtract,
    ast.Mult: M.multiply,
    ast.Div: M.divide,
    ast.Pow: M.pow,
    ast.MatMult: M.matmul,
}
_COMPARE = {
    ast.Lt: M.less,
    ast.LtE: M.less_equal,
    ast.Gt: M.greater,
    ast.GtE: M.greater_equal,
    ast.Eq: M.equal,
    ast.NotEq: M.not_equal,
}


@dataclass
class Expression:
    """A parsed formula: its graph, output tensor and one placeholder per free name."""

    text: str
    graph: Graph
    output: Tensor
    inputs: dict[str, Tensor] = field(default_factory=dict)

    def feed_dict(self, values: dict[str, Any]) -> dict[Tensor, Any]:
        """Map names to values as a feed_dict; a missing name is an error that names it."""
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise KeyError(f"no value given for {', '.join(missing)} in {self.text!r}")
        unknown = [n for n in values if n not in self.inputs]
        if unknown:
            raise KeyError(
                f"{', '.join(unknown)} not in {self.text!r} (its names: "
                f"{', '.join(self.inputs) or 'none'})"
            )
        return {self.inputs[n]: v for n, v in values.items()}

    def evaluate(self, values: dict[str, Any], fetches: Any = None) -> Any:
        """Run the formula (or other `fetches` of its graph) at the given values."""
        from .session import Session

        with Session(graph=self.graph) as sess:
            return sess.run(self.output if fetches is None else fetches, self.feed_dict(values))


def parse(
    text: str,
    dtype: Any = dtypes.float32,
    shapes: dict[str, Any] | None = None,
    graph: Graph | None = None,
) -> Expression:
    """Build the graph of a formula such as `"sin(2*x) * exp(y)"` in a new graph."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; at most {MAX_LENGTH}"
        )
    if not text.strip():
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1 if exc.lineno in (None, 1) else None
        raise ExpressionError(f"not a formula: {exc.msg}", text.strip(), offset) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot read the formula: {exc}") from None
    builder = _Builder(text.strip(), dtypes.as_dtype(dtype), shapes or {}, graph or Graph())
    with builder.graph.as_default():
        output = builder.build(tree.body, 0)
    if not isinstance(output, Tensor):
        output = A.constant(output, dtype=builder.dtype)  # a formula without free names
    return Expression(builder.text, builder.graph, output, builder.inputs)


class _Builder:
    def __init__(self, text: str, dtype: dtypes.DType, shapes: dict[str, Any], graph: Graph):
        self.text, self.dtype, self.shapes, self.graph = text, dtype, shapes, graph
        self.inputs: dict[str, Tensor] = {}
        self.nodes = 0

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        return ExpressionError(message, self.text, getattr(node, "col_offset", None))

    def build(self, node: ast.AST, depth: int) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression nested deeper than {MAX_DEPTH} levels")
        if self.nodes > MAX_NODES:
            raise self.fail(node, f"expression has more than {MAX_NODES} parts")
        try:
            return self._build(node, depth + 1)
        except ExpressionError:
            raise
        except (
            AutogradLabError,
            TypeError,
            ValueError,
            NotImplementedError,
            OverflowError,
            IndexError,
        ) as exc:
            raise self.fail(node, f"cannot build this part: {exc}") from None

    def _build(self, node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(node, f"only numbers are allowed, not {node.value!r}")
            return A.constant(float(node.value), dtype=self.dtype)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
            return op(self.build(node.left, depth), self.build(node.right, depth))
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, depth)
            if isinstance(node.op, ast.USub):
                return M.negative(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                raise self.fail(node, "only single comparisons (<, <=, >, >=, ==, !=) work")
            fn = _COMPARE[type(node.ops[0])]
            return fn(self.build(node.left, depth), self.build(node.comparators[0], depth))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(node, f"{type(node).__name__} is not allowed in a formula")

    def name(self, node: ast.Name) -> Any:
        if node.id in CONSTANTS:
            return A.constant(CONSTANTS[node.id], dtype=self.dtype)
        if node.id in FUNCTIONS:
            raise self.fail(node, f"{node.id} is a function: call it, as {node.id}(x)")
        if node.id.startswith("_"):
            raise self.fail(node, f"names may not start with '_': {node.id}")
        if node.id not in self.inputs:
            self.inputs[node.id] = A.placeholder(self.dtype, self.shapes.get(node.id), node.id)
        return self.inputs[node.id]

    def call(self, node: ast.Call, depth: int) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only plain function names can be called, e.g. sin(x)")
        fn = FUNCTIONS.get(node.func.id)
        if fn is None:
            raise self.fail(
                node,
                f"unknown function {node.func.id!r}; allowed: {', '.join(sorted(FUNCTIONS))}",
            )
        args = [self.build(a, depth) for a in node.args if not isinstance(a, ast.Starred)]
        if len(args) != len(node.args):
            raise self.fail(node, "*args are not allowed")
        kwargs = {}
        for kw in node.keywords:
            if kw.arg not in KEYWORDS:
                raise self.fail(
                    kw.value,
                    f"keyword {kw.arg!r} is not allowed; use {', '.join(sorted(KEYWORDS))}",
                )
            kwargs[kw.arg] = self.literal(kw.value)
        return fn(*args, **kwargs)

    def literal(self, node: ast.AST) -> Any:
        """A keyword's value: an int, a bool, or a tuple of ints."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, bool)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.literal(node.operand)
            if isinstance(value, int) and not isinstance(value, bool):
                return -value
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.literal(e) for e in node.elts)
        raise self.fail(node, "keyword values must be integers, True/False or tuples of ints")
