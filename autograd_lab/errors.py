"""Exceptions raised by the engine, named after TensorFlow's where TensorFlow has one."""

from __future__ import annotations


class AutogradLabError(Exception):
    """Base class of every error the engine raises on purpose."""


class ShapeError(AutogradLabError, ValueError):
    """Shapes that cannot work together, found while the graph is built."""


class InvalidArgumentError(AutogradLabError, ValueError):
    """A bad value met while a session runs: a missing or ill-shaped feed, a failing kernel."""


class FailedPreconditionError(AutogradLabError, RuntimeError):
    """A session needs something done first, such as initialising a variable."""


class GraphMismatchError(AutogradLabError, ValueError):
    """A tensor from one graph used with another graph or its session."""


class SessionClosedError(AutogradLabError, RuntimeError):
    """A session used after `close()`."""


class LookupGradientError(AutogradLabError, LookupError):
    """An op type with no entry in the derivative table."""


class ExpressionError(AutogradLabError, ValueError):
    """A formula string that the safe parser refuses; the message points at the culprit."""

    def __init__(self, message: str, text: str = "", offset: int | None = None) -> None:
        self.text = text
        self.offset = offset
        if text and offset is not None:
            message = f"{message}\n  {text}\n  {' ' * offset}^"
        super().__init__(message)
