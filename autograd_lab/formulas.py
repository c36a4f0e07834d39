"""Readable formulas for tensors of a graph: `tf.gradients(sin(2*x), x)` reads `2*cos(2*x)`.

The graph is turned into a small expression tree, simplified (constants folded, `*1`, `+0`,
`identity`, ones-like seeds and shape ops that change nothing dropped) and printed as plain
text (Python/SymPy syntax) or as LaTeX. Ops without a special form print as `OpType(args)`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Node", "formula_tree", "to_latex", "to_text"]

# Precedence levels used by both printers.
_P_COMPARE, _P_SUM, _P_PRODUCT, _P_UNARY, _P_POWER, _P_ATOM = range(6)

_FUNCTIONS = {
    "Sin": "sin",
    "Cos": "cos",
    "Tan": "tan",
    "Tanh": "tanh",
    "Exp": "exp",
    "Log": "log",
    "Sqrt": "sqrt",
    "Abs": "abs",
    "Sign": "sign",
    "Sigmoid": "sigmoid",
    "Relu": "relu",
    "Softmax": "softmax",
    "LogSoftmax": "log_softmax",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "SelectV2": "where",
    "LogicalNot": "logical_not",
    "LogicalAnd": "logical_and",
    "LogicalOr": "logical_or",
    "StopGradient": "stop_gradient",
    "Transpose": "transpose",
    "ArgMax": "argmax",
    "ArgMin": "argmin",
    "SoftmaxCrossEntropyWithLogits": "softmax_cross_entropy",
}
_REDUCTIONS = {"Sum": "sum", "Mean": "mean", "Max": "max", "Min": "min"}
_COMPARISONS = {
    "Less": "<",
    "LessEqual": "<=",
    "Greater": ">",
    "GreaterEqual": ">=",
    "Equal": "==",
    "NotEqual": "!=",
}
_TRANSPARENT = {"Identity", "Cast"}
_LATEX_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "tanh": r"\tanh",
    "log": r"\log",
    "sigmoid": r"\sigma",
    "maximum": r"\max",
    "minimum": r"\min",
    "sum": r"\sum",
    "max": r"\max",
    "min": r"\min",
}


@dataclass(frozen=True)
class Node:
    """One part of a formula: a number, a symbol, a binary or unary operator, or a call."""

    kind: str  # "num", "sym", "bin", "neg", "call"
    value: Any = None  # the number, symbol name, operator or function name
    args: tuple[Node, ...] = ()

    @property
    def is_num(self) -> bool:
        return self.kind == "num"

    def size(self) -> int:
        """How many parts the formula has (used to keep formulas readable)."""
        return 1 + sum(a.size() for a in self.args)


def num(value: float) -> Node:
    return Node("num", float(value))


def sym(name: str) -> Node:
    return Node("sym", name)


ZERO, ONE = num(0.0), num(1.0)


# ---- simplifying constructors ---------------------------------------------------------
def _fold(op: str, a: float, b: float) -> float | None:
    with np.errstate(all="ignore"):
        try:
            value = {
                "+": lambda: a + b,
                "-": lambda: a - b,
                "*": lambda: a * b,
                "/": lambda: a / b if b != 0 else math.nan,
                "**": lambda: float(np.power(a, b)),
            }[op]()
        except (OverflowError, ZeroDivisionError, KeyError):
            return None
    return value if math.isfinite(value) else None


def neg(a: Node) -> Node:
    """-a, with -(-a) = a and numbers negated."""
    if a.is_num:
        return num(-a.value)
    if a.kind == "neg":
        return a.args[0]
    return Node("neg", "-", (a,))


def _factors(a: Node) -> tuple[float, list[Node]]:
    """A product as (numeric coefficient, other factors), signs pulled out."""
    if a.is_num:
        return a.value, []
    if a.kind == "neg":
        c, rest = _factors(a.args[0])
        return -c, rest
    if a.kind == "bin" and a.value == "*":
        c1, r1 = _factors(a.args[0])
        c2, r2 = _factors(a.args[1])
        return c1 * c2, r1 + r2
    return 1.0, [a]


def mul(a: Node, b: Node) -> Node:
    """a * b with numbers multiplied together and put first, `*1` dropped, `*0` made 0."""
    c1, r1 = _factors(a)
    c2, r2 = _factors(b)
    c, rest = c1 * c2, r1 + r2
    if c == 0 and math.isfinite(c1) and math.isfinite(c2):
        return ZERO
    if not rest:
        return num(c)
    out = rest[0]
    for f in rest[1:]:
        out = Node("bin", "*", (out, f))
    if c == 1:
        return out
    if c == -1:
        return neg(out)
    if c < 0:
        return neg(Node("bin", "*", (num(-c), out)))
    return Node("bin", "*", (num(c), out))


def add(a: Node, b: Node) -> Node:
    """a + b with numbers folded and `+0` dropped; `a + -b` written `a - b`."""
    if a.is_num and b.is_num:
        folded = _fold("+", a.value, b.value)
        if folded is not None:
            return num(folded)
    if a == ZERO:
        return b
    if b == ZERO:
        return a
    if b.kind == "neg":
        return Node("bin", "-", (a, b.args[0]))
    if b.is_num and b.value < 0:
        return Node("bin", "-", (a, num(-b.value)))
    return Node("bin", "+", (a, b))


def sub(a: Node, b: Node) -> Node:
    """a - b with numbers folded, `-0` dropped, `0 - b` written `-b`."""
    if a.is_num and b.is_num:
        folded = _fold("-", a.value, b.value)
        if folded is not None:
            return num(folded)
    if b == ZERO:
        return a
    if a == ZERO:
        return neg(b)
    if b.kind == "neg":
        return add(a, b.args[0])
    return Node("bin", "-", (a, b))


def div(a: Node, b: Node) -> Node:
    """a / b with numbers folded and `/1` dropped; `/c` becomes `*(1/c)` for numbers c."""
    if a.is_num and b.is_num:
        folded = _fold("/", a.value, b.value)
        if folded is not None:
            return num(folded)
    if b == ONE:
        return a
    if a == ZERO and not b.is_num:
        return ZERO
    if b.is_num and b.value != 0:
        inverse = 1.0 / b.value
        if float(np.float32(inverse)) == inverse or abs(b.value) in (2.0, 4.0, 8.0):
            return mul(num(inverse), a)
    if b.kind == "neg":
        return neg(div(a, b.args[0]))
    if a.kind == "neg":
        return neg(div(a.args[0], b))
    return Node("bin", "/", (a, b))


def power(a: Node, b: Node) -> Node:
    """a ** b with numbers folded, `**1` dropped and `**0` made 1."""
    if a.is_num and b.is_num:
        folded = _fold("**", a.value, b.value)
        if folded is not None:
            return num(folded)
    if b == ONE:
        return a
    if b == ZERO:
        return ONE
    return Node("bin", "**", (a, b))


def call(name: str, *args: Node) -> Node:
    return Node("call", name, tuple(args))


_BUILD_BINARY = {"AddV2": add, "Sub": sub, "Mul": mul, "RealDiv": div, "Pow": power}


# ---- graph -> tree ----------------------------------------------------------------------
def _small_number(array: np.ndarray) -> float | None:
    """The value of a constant whose elements are all equal, else None."""
    if array.size == 0 or array.dtype.kind not in "biuf":
        return None
    flat = array.reshape(-1)
    first = flat[0]
    return float(first) if bool(np.all(flat == first)) else None


def _const(op: Any) -> Node:
    array = np.asarray(op.attrs["value"])
    value = _small_number(array)
    if value is not None:
        return num(value)
    if array.size <= 6:
        return sym(np.array2string(array, separator=", ").replace("\n", ""))
    return sym(op.name)


def _same_shape(a: Any, b: Any) -> bool:
    """True unless the static shapes are known and differ (unknown shapes count as scalars)."""
    da, db = a.shape.dims, b.shape.dims
    if da is None or db is None:
        return True
    if None in da or None in db:
        return da == db or (len(da) == len(db))
    return da == db or (math.prod(da) == 1 and math.prod(db) == 1)


def _reduction(op: Any, arg: Node, name: str) -> Node:
    x = op.inputs[0]
    if x.shape.dims is not None and None not in x.shape.dims and math.prod(x.shape.dims) == 1:
        return arg
    axis = op.attrs.get("axis")
    if axis is None:
        return call(name, arg)
    return call(name, arg, sym(f"axis={tuple(axis)}"))


class _Converter:
    def __init__(self, names: Mapping[Any, str], max_size: int) -> None:
        self.names = {_tensor_key(k): v for k, v in names.items()}
        self.max_size = max_size
        self.memo: dict[int, Node] = {}

    def tree(self, tensor: Any) -> Node:
        """The tree of `tensor`, built without recursion over the graph's depth."""
        stack = [tensor]
        while stack:
            t = stack[-1]
            if id(t) in self.memo:
                stack.pop()
                continue
            if self._named(t) is not None:
                self.memo[id(t)] = self._named(t)
                stack.pop()
                continue
            missing = [i for i in t.op.inputs if id(i) not in self.memo]
            if missing and not self._is_leaf(t.op):
                stack.extend(missing)
                continue
            stack.pop()
            node = self._convert(t)
            if node.size() > self.max_size:
                node = sym(t.op.name)
            self.memo[id(t)] = node
        return self.memo[id(tensor)]

    def _named(self, t: Any) -> Node | None:
        name = self.names.get(t.name) or self.names.get(t.op.name)
        return sym(name) if name is not None else None

    @staticmethod
    def _is_leaf(op: Any) -> bool:
        return op.type in ("Const", "Placeholder", "VariableV2", "OnesLike", "ZerosLike")

    def _convert(self, t: Any) -> Node:
        op = t.op
        kind = op.type
        args = [self.memo.get(id(i)) for i in op.inputs]
        if kind == "Const":
            return _const(op)
        if kind in ("Placeholder", "VariableV2"):
            return sym(op.name)
        if kind == "OnesLike":
            return ONE
        if kind == "ZerosLike":
            return ZERO
        if kind == "Fill":
            return args[0]
        if kind in _TRANSPARENT:
            return args[0]
        if kind in _BUILD_BINARY:
            return _BUILD_BINARY[kind](args[0], args[1])
        if kind == "Neg":
            return neg(args[0])
        if kind == "Square":
            return power(args[0], num(2.0))
        if kind == "AddN":
            out = args[0]
            for a in args[1:]:
                out = add(out, a)
            return out
        if kind in ("SumToShape", "BroadcastTo"):
            if _same_shape(op.inputs[0], op.inputs[1]):
                return args[0]
            name = "sum_to_shape" if kind == "SumToShape" else "broadcast"
            return call(name, args[0], sym(str(op.inputs[1].shape)))
        if kind in ("Reshape", "ReshapeLike", "ExpandDims", "Squeeze"):
            if _same_shape(op.inputs[0], t):
                return args[0]
            return call("reshape", args[0], sym(str(t.shape)))
        if kind in _REDUCTIONS:
            return _reduction(op, args[0], _REDUCTIONS[kind])
        if kind in _COMPARISONS:
            return Node("bin", _COMPARISONS[kind], (args[0], args[1]))
        if kind in ("MatMul", "BatchMatMulV2"):
            a, b = args
            if op.attrs.get("transpose_a"):
                a = call("transpose", a)
            if op.attrs.get("transpose_b"):
                b = call("transpose", b)
            return Node("bin", "@", (a, b))
        if kind == "StridedSlice":
            return call("slice", args[0], sym(_index_text(op.attrs.get("index", ()))))
        if kind in _FUNCTIONS:
            return call(_FUNCTIONS[kind], *args)
        return call(kind, *[a if a is not None else sym("?") for a in args])


def _index_text(index: Any) -> str:
    parts = []
    for item in index if isinstance(index, tuple) else (index,):
        if isinstance(item, slice):
            text = ":".join("" if v is None else str(v) for v in (item.start, item.stop))
            parts.append(text + (f":{item.step}" if item.step not in (None, 1) else ""))
        elif item is None:
            parts.append("newaxis")
        elif item is Ellipsis:
            parts.append("...")
        else:
            parts.append(str(item))
    return "[" + ", ".join(parts) + "]"


def _tensor_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if hasattr(key, "_as_tensor"):
        key = key._as_tensor()
    return key.name


def formula_tree(
    tensor: Any, names: Mapping[Any, str] | None = None, max_size: int = 400
) -> Node:
    """The simplified expression tree of `tensor`; `names` shows chosen tensors as symbols."""
    if hasattr(tensor, "_as_tensor"):
        tensor = tensor._as_tensor()
    if tensor is None:
        raise ValueError("no tensor given (a gradient of None means no path to the variable)")
    if not hasattr(tensor, "op"):
        raise TypeError(f"expected a tensor of a graph, got {type(tensor).__name__}")
    return _Converter(names or {}, max_size).tree(tensor)


# ---- printing ---------------------------------------------------------------------------
def _precedence(node: Node) -> int:
    if node.kind == "num":
        return _P_UNARY if node.value < 0 else _P_ATOM
    if node.kind == "neg":
        return _P_UNARY
    if node.kind == "bin":
        return {
            "+": _P_SUM,
            "-": _P_SUM,
            "*": _P_PRODUCT,
            "/": _P_PRODUCT,
            "@": _P_PRODUCT,
            "**": _P_POWER,
        }.get(node.value, _P_COMPARE)
    return _P_ATOM


def _number_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "oo" if value > 0 else "-oo"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    single = np.float32(value)
    if float(single) == value:
        text = np.format_float_positional(single, trim="-", unique=True)
        if len(text) <= 12:
            return text
        return np.format_float_scientific(single, trim="-", unique=True)
    return repr(value)


def _text(node: Node) -> str:
    if node.kind == "num":
        return _number_text(node.value)
    if node.kind == "sym":
        return str(node.value)
    if node.kind == "call":
        return f"{node.value}({', '.join(_text(a) for a in node.args)})"
    if node.kind == "neg":
        inner = node.args[0]
        text = _text(inner)
        return f"-({text})" if _precedence(inner) <= _P_SUM else f"-{text}"
    left, right = node.args
    p = _precedence(node)
    lt, rt = _text(left), _text(right)
    if node.value == "**":
        if _precedence(left) <= _P_POWER:
            lt = f"({lt})"
        if _precedence(right) < _P_ATOM:
            rt = f"({rt})"
        return f"{lt}**{rt}"
    if _precedence(left) < p:
        lt = f"({lt})"
    strict = node.value in ("-", "/", "@") or _precedence(right) == _P_UNARY
    if _precedence(right) < p or (strict and _precedence(right) <= p):
        rt = f"({rt})"
    sep = "*" if node.value == "*" else f" {node.value} "
    if node.value == "/":
        sep = "/"
    return f"{lt}{sep}{rt}"


def _latex_symbol(name: str) -> str:
    if name.startswith("axis="):
        return r"\mathrm{" + name.replace("_", r"\_") + "}"
    escaped = name.replace("\\", "").replace("_", r"\_").replace("{", r"\{").replace("}", r"\}")
    return escaped if len(name) == 1 else r"\mathrm{" + escaped + "}"


def _latex(node: Node) -> str:
    if node.kind == "num":
        text = _number_text(node.value)
        if "e" in text and text not in ("nan",):
            mantissa, _, exponent = text.partition("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return {"oo": r"\infty", "-oo": r"-\infty"}.get(text, text)
    if node.kind == "sym":
        return _latex_symbol(str(node.value))
    if node.kind == "call":
        args = [_latex(a) for a in node.args]
        name = node.value
        if name == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if name == "exp":
            return rf"e^{{{args[0]}}}"
        if name == "abs":
            return rf"\left|{args[0]}\right|"
        head = _LATEX_FUNCTIONS.get(name, r"\operatorname{" + name.replace("_", r"\_") + "}")
        return rf"{head}\left({', '.join(args)}\right)"
    if node.kind == "neg":
        inner = node.args[0]
        text = _latex(inner)
        return rf"-\left({text}\right)" if _precedence(inner) <= _P_SUM else f"-{text}"
    left, right = node.args
    lt, rt = _latex(left), _latex(right)
    if node.value == "/":
        return rf"\frac{{{lt}}}{{{rt}}}"
    if node.value == "**":
        if _precedence(left) <= _P_POWER:
            lt = rf"\left({lt}\right)"
        return f"{lt}^{{{rt}}}"
    p = _precedence(node)
    if _precedence(left) < p:
        lt = rf"\left({lt}\right)"
    if (
        _precedence(right) < p
        or (node.value == "-" and _precedence(right) <= p)
        or (_precedence(right) == _P_UNARY)
    ):
        rt = rf"\left({rt}\right)"
    op = {
        "*": r" \cdot ",
        "@": r" \, ",
        "<=": r" \le ",
        ">=": r" \ge ",
        "!=": r" \ne ",
        "==": " = ",
    }.get(node.value, f" {node.value} ")
    return f"{lt}{op}{rt}"


def to_text(tensor: Any, names: Mapping[Any, str] | None = None, max_size: int = 400) -> str:
    """`tensor` as a plain-text formula in Python/SymPy syntax, e.g. `2*cos(2*x)`."""
    return _text(formula_tree(tensor, names, max_size))


def to_latex(tensor: Any, names: Mapping[Any, str] | None = None, max_size: int = 400) -> str:
    """`tensor` as a LaTeX formula, e.g. `2 \\cdot \\cos\\left(2 \\cdot x\\right)`."""
    return _latex(formula_tree(tensor, names, max_size))


def node_text(node: Node) -> str:
    """Print an already built tree as plain text."""
    return _text(node)
