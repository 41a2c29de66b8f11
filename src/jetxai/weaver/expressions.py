"""The expressions of a weaver data config (``new_variables``, ``selection``,
``test_time_selection``), evaluated without ``eval``.

weaver-core evaluates them with Python's ``eval`` over numpy, awkward and math, so a data config
can run any code. jetxai parses each expression with :mod:`ast` and walks the tree itself,
allowing only: numbers, strings and ``None``; the branches and earlier variables by name;
arithmetic (``+ - * / // % **``), the array logic ``& | ^ ~``, comparisons (chained too);
subscripts with slices (``part_px[:, 0]``); calls of the functions listed in :data:`FUNCTIONS`
(``np.log``, ``ak.num``, ``math.sqrt``, ``len``, …; ``numpy.``/``awkward.`` spell the same) with
keyword arguments; and the constants of :data:`CONSTANTS`. Anything else — another function, an
attribute, a lambda, a name starting with ``_`` — is refused, naming what it is.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import awkward as ak
import numpy as np

from jetxai.errors import InputError

#: Module spellings an expression may use, and what they stand for.
MODULES = {"np": "np", "numpy": "np", "ak": "ak", "awkward": "ak", "math": "math"}
_NUMPY = (
    "abs absolute arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin ceil clip "
    "cos cosh exp expm1 floor hypot isfinite isinf isnan log log10 log1p log2 logical_and "
    "logical_not logical_or maximum minimum nan_to_num ones_like power sign sin sinh sqrt square "
    "tan tanh where zeros_like full_like round"
)
_AWKWARD = (
    "num count sum max min mean argmax argmin argsort sort ones_like zeros_like full_like "
    "fill_none pad_none firsts values_astype where flatten unflatten local_index to_numpy "
    "is_none any all"
)
_MATH = "sqrt log log10 exp cos sin tan atan2 hypot tanh cosh sinh fabs"
#: The functions an expression may call, by their written name.
FUNCTIONS: dict[str, Callable[..., Any]] = (
    {f"np.{n}": getattr(np, n) for n in _NUMPY.split()}
    | {f"ak.{n}": getattr(ak, n) for n in _AWKWARD.split()}
    | {f"math.{n}": getattr(math, n) for n in _MATH.split()}
    | {"len": len}
)
#: The constants an expression may name.
CONSTANTS = {"np.pi": np.pi, "np.e": np.e, "np.inf": np.inf, "math.pi": math.pi, "math.e": math.e}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ALLOWED = "numbers, branch names, arithmetic, & | ~, comparisons, slices and np./ak./math. calls"


class Expression:
    """One parsed expression; ``where`` names it in errors (``new_variables.part_pt``)."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = str(text), where
        try:
            self.tree = ast.parse(self.text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise InputError(f"{where}: {self.text!r} is not an expression ({exc.msg})") from None
        self.names = frozenset(self._check(self.tree))

    def _refuse(self, what: str) -> InputError:
        return InputError(
            f"{self.where}: {self.text!r} uses {what}, which jetxai's expression evaluator does "
            f"not allow ({_ALLOWED})"
        )

    def _dotted(self, node: ast.expr) -> str | None:
        """``np.log`` for an attribute of an allowed module (normalised spelling), else None."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = MODULES.get(node.value.id)
            if module is not None:
                return f"{module}.{node.attr}"
        return None

    def _check(self, node: ast.AST) -> set[str]:
        """Refuse what is not allowed; return the data names the expression reads."""
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, (bool, int, float, str)):
                return set()
            raise self._refuse(f"the constant {node.value!r}")
        if isinstance(node, ast.Name):
            if node.id.startswith("_") or node.id in MODULES or node.id in FUNCTIONS:
                raise self._refuse(f"the name {node.id!r} on its own")
            return {node.id}
        if isinstance(node, ast.Attribute):
            name = self._dotted(node)
            if name in CONSTANTS:
                return set()
            raise self._refuse(f"the attribute {ast.unparse(node)!r}")
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else self._dotted(node.func)
            if name not in FUNCTIONS:
                raise self._refuse(f"the function {ast.unparse(node.func)!r}")
            if any(k.arg is None for k in node.keywords):
                raise self._refuse("** arguments")
            parts = [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            parts = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            parts = [node.operand]
        elif isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
            parts = [node.left, *node.comparators]
        elif isinstance(node, (ast.List, ast.Tuple)):
            parts = list(node.elts)
        elif isinstance(node, ast.Subscript):
            parts = [node.value, node.slice]
        elif isinstance(node, ast.Slice):
            parts = [p for p in (node.lower, node.upper, node.step) if p is not None]
        else:
            raise self._refuse(f"{type(node).__name__} ({ast.unparse(node)!r})")
        if any(isinstance(p, ast.Starred) for p in parts):
            raise self._refuse("* arguments")
        return set().union(*(self._check(p) for p in parts))

    def __call__(self, values: Mapping[str, Any]) -> Any:
        """The expression's value, its names looked up in ``values``."""
        try:
            return self._value(self.tree, values)
        except InputError:
            raise
        except Exception as exc:  # numpy/awkward raise many kinds on bad data
            raise InputError(
                f"{self.where}: {self.text!r} failed ({type(exc).__name__}: {exc})"
            ) from None

    def _value(self, node: ast.AST, values: Mapping[str, Any]) -> Any:
        value = functools.partial(self._value, values=values)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise InputError(f"{self.where}: {self.text!r} reads {node.id!r}, not in the data")
            return values[node.id]
        if isinstance(node, ast.Attribute):
            return CONSTANTS[str(self._dotted(node))]
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else self._dotted(node.func)
            arguments = {str(k.arg): value(k.value) for k in node.keywords}
            return FUNCTIONS[str(name)](*map(value, node.args), **arguments)
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](value(node.operand))
        if isinstance(node, ast.Compare):
            left, result = value(node.left), None
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = value(comparator)
                step = _COMPARE[type(op)](left, right)
                result = step if result is None else result & step
                left = right
            return result
        if isinstance(node, ast.List):
            return [value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(value(e) for e in node.elts)
        if isinstance(node, ast.Subscript):
            return value(node.value)[value(node.slice)]
        assert isinstance(node, ast.Slice)  # _check allowed nothing else
        return slice(
            *(None if p is None else value(p) for p in (node.lower, node.upper, node.step))
        )
