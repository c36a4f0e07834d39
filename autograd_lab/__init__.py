"""autograd-lab: a TensorFlow-1-style graph engine whose derivatives you can read and check.

`import autograd_lab as tf` gives placeholders, variables, sessions and `tf.gradients`;
every op's derivative is one entry of the table in `autograd_lab/derivatives.py`.
"""

from __future__ import annotations

from . import nn, train
from .array_ops import (
    concat,
    constant,
    expand_dims,
    fill,
    identity,
    ones,
    ones_like,
    placeholder,
    random_normal,
    random_uniform,
    reshape,
    size,
    squeeze,
    stack,
    stop_gradient,
    strided_slice,
    transpose,
    truncated_normal,
    where,
    zeros,
    zeros_like,
)
from .derivatives import (
    NotDifferentiable,
    RegisterGradient,
    derivative,
    derivative_table,
    not_differentiable,
)
from .dtypes import DType, as_dtype, bool_, float16, float32, float64, int32, int64
from .errors import (
    ExpressionError,
    FailedPreconditionError,
    InvalidArgumentError,
    LookupGradientError,
    ShapeError,
)
from .expression import parse
from .gradients import gradients, hessian_vector_product, hessians
from .graph import (
    Graph,
    Operation,
    Tensor,
    control_dependencies,
    convert_to_tensor,
    get_default_graph,
    name_scope,
    reset_default_graph,
    set_random_seed,
)
from .math_ops import (
    abs,
    add,
    add_n,
    argmax,
    argmin,
    cast,
    cos,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    to_float,
)
from .session import InteractiveSession, Session, get_default_session
from .shapes import TensorShape
from .variables import (
    Variable,
    assign,
    assign_add,
    assign_sub,
    global_variables,
    global_variables_initializer,
    group,
    initialize_all_variables,
    no_op,
    trainable_variables,
    variables_initializer,
)

__version__ = "0.1.0"

bool = bool_  # noqa: A001 - TensorFlow spells it tf.bool
sub = subtract
mul = multiply
div = divide
truediv = divide
neg = negative
Dimension = int


def disable_v2_behavior() -> None:
    """Accepted for TF1 scripts that call it; this engine always builds graphs."""


disable_eager_execution = disable_v2_behavior


class _Namespace:
    """A plain attribute bag, for `tf.math`, `tf.random`, `tf.compat.v1` and friends."""

    def __init__(self, **names: object) -> None:
        self.__dict__.update(names)


math = _Namespace(
    add=add,
    subtract=subtract,
    multiply=multiply,
    divide=divide,
    pow=pow,
    square=square,
    sqrt=sqrt,
    exp=exp,
    log=log,
    sin=sin,
    cos=cos,
    tan=tan,
    tanh=tanh,
    abs=abs,
    sign=sign,
    maximum=maximum,
    minimum=minimum,
    sigmoid=sigmoid,
    negative=negative,
    add_n=add_n,
    reduce_sum=reduce_sum,
    reduce_mean=reduce_mean,
    reduce_max=reduce_max,
    reduce_min=reduce_min,
    argmax=argmax,
    argmin=argmin,
    equal=equal,
    not_equal=not_equal,
    less=less,
    less_equal=less_equal,
    greater=greater,
    greater_equal=greater_equal,
    logical_and=logical_and,
    logical_or=logical_or,
    logical_not=logical_not,
)
random = _Namespace(
    normal=random_normal,
    uniform=random_uniform,
    truncated_normal=truncated_normal,
    set_seed=set_random_seed,
)
linalg = _Namespace(matmul=matmul)
errors = _Namespace(
    InvalidArgumentError=InvalidArgumentError, FailedPreconditionError=FailedPreconditionError
)


def _v1_namespace() -> _Namespace:
    import sys

    return _Namespace(
        **{k: v for k, v in vars(sys.modules[__name__]).items() if not k.startswith("_")}
    )


class _Compat:
    @property
    def v1(self) -> _Namespace:
        return _v1_namespace()


compat = _Compat()

__all__ = [name for name in dir() if not name.startswith("_")]
