"""Translate a legacy symbolic made only of ``g.op`` calls into an onnxscript translation function.

Why from the source: a symbolic that does nothing but emit ``g.op`` nodes (after
``parse_args`` decoding) is the same function for every call, so its text can be
rewritten once into the form torch's new exporter calls (``fn(*args, **kwargs)``
with the op schema's argument names, tensors as onnxscript values, the rest as
Python values) and stays general: no recorded call has to be replayed. Anything
that looks at shapes, dtypes, opsets or helpers decides at export time, so it is
refused here with the reason and line, and the caller specializes it on the
recorded calls instead.

Only the symbolic's own text is read (``inspect`` + ``libcst``); nothing of
torch's legacy exporter is imported or run.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import inspect
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import libcst as cst
import onnx
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from onnx_migrate.porting.parameters import SchemaParameter, render_signature

__all__ = ["GeneralFunction", "NotGeneral", "SchemaParameter", "translate_general"]


@dataclasses.dataclass(frozen=True)
class GeneralFunction:
    """The generated translation function and the custom-domain ops it calls."""

    source: str
    custom_ops: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class NotGeneral:
    """Why a symbolic is not translated from its source, and the line to blame when one is."""

    reason: str
    line: int | None


class _Refused(Exception):
    """Raised inside the analysis: the symbolic is not general because of ``node``."""

    def __init__(self, reason: str, node: cst.CSTNode | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.node = node


_TENSOR = "tensor"
_PYTHON = "python"

#: Builtins a general body may call on Python values (they exist in every module).
_CONVERSIONS = frozenset({"float", "int", "bool", "list", "tuple"})
_LITERAL_NAMES = frozenset({"None", "True", "False"})
#: ``symbolic_helper`` functions that turn a constant argument into its Python value; torch passes that value.
_CONSTANT_DECODERS = frozenset({"_maybe_get_const", "_get_const"})
#: Legacy attribute suffixes (``onnx_migrate/legacy_symbolics/attributes.py``): a list value makes the plural kind.
_ATTR_KEY = re.compile(r"^(?P<name>.+)_(?P<kind>[ifstzg]|ty)$")
_TRANSLATED_SUFFIXES = frozenset({"i", "f", "s", "t"})
_TORCH_DTYPES = frozenset(
    "float float32 float64 double half float16 bfloat16 int int8 int16 int32 int64 long short uint8 bool "
    "complex64 complex128".split()
)
#: Names the generated module binds besides the opset alias and the custom ops (see the brief of issue 17).
_MODULE_NAMES = frozenset({"ir", "torch", "Sequence", "Optional"})
_COMPOUND_REASONS = {
    cst.If: "branches in Python (`if` at line {line})",
    cst.For: "loops in Python (`for` at line {line})",
    cst.While: "loops in Python (`while` at line {line})",
    cst.Try: "handles exceptions (`try` at line {line})",
    cst.With: "uses a `with` block (line {line})",
    cst.FunctionDef: "defines a nested function (line {line})",
    cst.ClassDef: "defines a class (line {line})",
}


def _code(node: cst.CSTNode, limit: int = 60) -> str:
    """The source text of ``node`` on one line, shortened for a message."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _root_name(node: cst.BaseExpression) -> str | None:
    """``x`` of ``x.type().scalarType()``: the name a chain of attributes, calls and indexing starts from."""
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


# --------------------------------------------------------------------------- source


@dataclasses.dataclass(frozen=True)
class _Source:
    """The parsed ``def`` of a symbolic and where it lives, to name lines in the user's file."""

    function: cst.FunctionDef
    positions: Mapping[cst.CSTNode, CodeRange]
    file: str
    first_line: int
    qualname: str

    def line(self, node: cst.CSTNode | None) -> int | None:
        if node is None or node not in self.positions:
            return None
        return self.first_line + self.positions[node].start.line - 1


def _load_source(symbolic: Callable[..., Any]) -> _Source | NotGeneral:
    """Find and parse the symbolic's ``def``; a NotGeneral when there is no plain function source."""
    if isinstance(symbolic, functools.partial):
        return NotGeneral("is a functools.partial: its bound arguments are not in any source to translate", None)
    if inspect.ismethod(symbolic):
        return NotGeneral("is a bound method: `self` is not an argument the exporter passes", None)
    function = inspect.unwrap(symbolic)
    if not inspect.isfunction(function):
        function = getattr(symbolic, "__wrapped__", function)
    if not inspect.isfunction(function):
        return NotGeneral(f"is a {type(function).__name__}, not a Python function: it has no source to translate", None)
    code = function.__code__
    if function.__name__ == "<lambda>":
        return NotGeneral("is a lambda: write it as a `def` to translate it", code.co_firstlineno)
    try:
        lines, start = inspect.getsourcelines(function)
    except (OSError, TypeError) as exc:
        return NotGeneral(f"has no readable source ({exc}); define it in a file", None)
    try:
        module = cst.parse_module(textwrap.dedent("".join(lines)))
    except cst.ParserSyntaxError as exc:
        return NotGeneral(f"has source that libcst cannot parse once dedented ({exc.message})", start)
    definition = module.body[0] if module.body else None
    if not isinstance(definition, cst.FunctionDef) or definition.name.value != code.co_name:
        return NotGeneral(f"has no `def {code.co_name}` where its source starts", start)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    file = inspect.getsourcefile(function) or code.co_filename
    return _Source(definition, positions, file, start, function.__qualname__)


# --------------------------------------------------------------------------- signature


@dataclasses.dataclass(frozen=True)
class _Signature:
    """The symbolic's ``g`` name and what each of its other parameters becomes."""

    g_name: str
    rename: dict[str, str]
    kinds: dict[str, str]


def _parse_args_descriptors(source: _Source) -> tuple[str, ...] | None:
    """The ``parse_args`` descriptors of the decorators; refuses any other decorator."""
    descriptors: tuple[str, ...] | None = None
    for decorator in source.function.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Name) and expr.value == "staticmethod":
            continue
        name = _dotted(expr.func) if isinstance(expr, cst.Call) else None
        if name is None or name.split(".")[-1] != "parse_args":
            raise _Refused(f"is decorated with `@{_code(expr)}`, which changes what it does", decorator)
        values = []
        for arg in expr.args:
            if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.SimpleString):
                raise _Refused(f"has parse_args descriptors that are not string literals (`{_code(expr)}`)", decorator)
            values.append(str(arg.value.evaluated_value))
        descriptors = tuple(values)
    return descriptors


def _signature(source: _Source, parameters: Sequence[SchemaParameter]) -> _Signature:
    """Map the symbolic's parameters after ``g`` onto the schema's, positionally as legacy passed them."""
    params = source.function.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        raise _Refused("takes *args or **kwargs: which schema argument each name gets is only known at run time",
                       source.function.params)
    if params.kwonly_params:
        raise _Refused("has keyword-only parameters, which legacy never passed", params.kwonly_params[0])
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    if not names:
        raise _Refused("takes no `g` parameter", source.function)
    g_name, rest = names[0], names[1:]
    if len(rest) > len(parameters):
        raise _Refused(f"takes {len(rest)} arguments after `{g_name}`, the op schema has {len(parameters)}",
                       source.function.params)
    descriptors = _parse_args_descriptors(source) or ()
    rename, kinds = {}, {}
    for index, name in enumerate(rest):
        schema = parameters[index]
        rename[name] = schema.name
        kinds[name] = _TENSOR if schema.annotation is None else _PYTHON
        descriptor = descriptors[index] if index < len(descriptors) else "v"
        if schema.annotation is None and descriptor not in ("v", "none"):
            raise _Refused(
                f"decodes `{name}` with parse_args {descriptor!r}, but the op schema passes `{schema.name}` as a "
                "tensor: its value is only known when the model runs",
                source.function.decorators[0] if source.function.decorators else None,
            )
    return _Signature(g_name, rename, kinds)


# --------------------------------------------------------------------------- analysis


@dataclasses.dataclass
class _Plan:
    """What the rewrite changes, keyed by the identity of the original nodes."""

    op_calls: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)
    attributes: dict[int, tuple[str, Callable[[cst.BaseExpression], cst.BaseExpression]]] = dataclasses.field(
        default_factory=dict
    )
    dropped_args: set[int] = dataclasses.field(default_factory=set)
    set_type_calls: set[int] = dataclasses.field(default_factory=set)
    decoded_constants: set[int] = dataclasses.field(default_factory=set)
    data_types: dict[int, str] = dataclasses.field(default_factory=dict)
    dropped_statements: set[int] = dataclasses.field(default_factory=set)
    custom_ops: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    statements: list[cst.BaseStatement] = dataclasses.field(default_factory=list)


class _NamesRead(cst.CSTVisitor):
    """The plain names an expression reads, in order, once each (``a`` of ``a.b(c)``, and ``c``; not ``b``)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.found and node.value not in _LITERAL_NAMES:
            self.found.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False  # the attribute's own name is not read from any scope

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False  # nor is a keyword's name (``dtype=`` of ``f(dtype=x)``)


class _Analyzer:
    """Walks the body once, in order, and refuses anything that is not ``g.op`` calls and plain Python."""

    def __init__(self, signature: _Signature, annotations: Mapping[str, str | None]) -> None:
        self.g = signature.g_name
        self.kinds = dict(signature.kinds)
        self.schema_annotation = {old: annotations[new] for old, new in signature.rename.items()}
        self.plan = _Plan()

    # statements -----------------------------------------------------------
    def body(self, function: cst.FunctionDef) -> _Plan:
        block = function.body
        if not isinstance(block, cst.IndentedBlock):  # ``def f(g, x): return ...`` on one line
            block = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=block.body)])
        for index, statement in enumerate(block.body):
            if isinstance(statement, cst.If):
                raise _Refused(self._branch_reason(statement), statement)
            if not isinstance(statement, cst.SimpleStatementLine):
                template = _COMPOUND_REASONS.get(type(statement), "has a `{kind}` statement (line {line})")
                raise _Refused(template.replace("{kind}", type(statement).__name__.lower()), statement)
            self.plan.statements.append(statement)
            if any(self._small(small, first=index == 0) for small in statement.body):
                return self.plan  # the return: anything after it never ran
        raise _Refused("returns nothing: a translation function must return its outputs", function)

    def _branch_reason(self, statement: cst.If) -> str:
        """Say what the ``if`` tests: the symbolic's own values, or a name from outside (a module flag)."""
        names = _NamesRead()
        statement.test.visit(names)
        own = [n for n in names.found if n in self.kinds or n == self.g]
        outer = [n for n in names.found if n not in own and not hasattr(builtins, n)]
        where = "(`if` at line {line})"
        if own:
            return f"branches in Python on {', '.join(f'`{n}`' for n in own)} {where}"
        if outer:
            return f"branches in Python on {', '.join(f'`{n}`' for n in outer)}, from outside the function {where}"
        return _COMPOUND_REASONS[cst.If]

    def _small(self, small: cst.BaseSmallStatement, *, first: bool) -> bool:
        if isinstance(small, cst.Return):
            self._return(small)
            return True
        if isinstance(small, cst.Pass):
            self.plan.dropped_statements.add(id(small))
        elif isinstance(small, cst.Expr):
            self._expression_statement(small, first=first)
        elif isinstance(small, cst.Assign):
            self._assign(small)
        elif isinstance(small, cst.AugAssign):
            target = small.target
            if not isinstance(target, cst.Name) or self.kinds.get(target.value) != _PYTHON:
                raise _Refused(f"updates `{_code(target)}` in place, which is not a Python value", small)
            self._python(small.value, f"`{_code(small)}`")
            self.schema_annotation.pop(target.value, None)
        elif isinstance(small, (cst.Global, cst.Nonlocal)):
            raise _Refused(f"declares `{_code(small)}`: it reads state outside the function", small)
        else:
            raise _Refused(f"has a `{_code(small)}` statement", small)
        return False

    def _expression_statement(self, small: cst.Expr, *, first: bool) -> None:
        value = small.value
        if first and isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            return  # the docstring, kept
        if self._is_set_type(value):
            self.plan.dropped_statements.add(id(small))
            return
        raise _Refused(f"computes `{_code(value)}` and drops the result", small)

    def _assign(self, small: cst.Assign) -> None:
        if len(small.targets) != 1:
            raise _Refused(f"assigns one value to several targets (`{_code(small)}`)", small)
        target = small.targets[0].target
        kind = self.expression(small.value)
        if isinstance(target, cst.Name):
            self.kinds[target.value] = kind
            self.schema_annotation.pop(target.value, None)  # no longer the value the schema typed
            return
        if isinstance(target, (cst.Tuple, cst.List)) and all(isinstance(e.value, cst.Name) for e in target.elements):
            if kind == _TENSOR and not self._is_gop(small.value):
                raise _Refused(f"unpacks the tensor `{_code(small.value)}` in Python", small)
            for element in target.elements:
                if isinstance(element, cst.StarredElement):
                    raise _Refused(f"unpacks with a star (`{_code(target)}`)", small)
                self.kinds[element.value.value] = kind  # type: ignore[attr-defined]
                self.schema_annotation.pop(element.value.value, None)  # type: ignore[attr-defined]
            return
        raise _Refused(f"assigns to `{_code(target)}`, not to a local name", small)

    def _return(self, small: cst.Return) -> None:
        value = small.value
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            raise _Refused("returns None: a translation function must return its outputs", small)
        elements = [e.value for e in value.elements] if isinstance(value, cst.Tuple) else [value]
        for position, element in enumerate(elements, start=1):
            if isinstance(element, cst.Name) and element.value == "None":
                # Measured with torch 2.13/2.15: a None output fails the export, and fewer outputs
                # than the op has turn the node's result into a sequence (SequenceAt on a tensor).
                raise _Refused(
                    f"returns None for output {position} (legacy left it out): torch's new exporter needs a "
                    "tensor for every output of the op", small)
            if self.expression(element) != _TENSOR:
                raise _Refused(f"returns the Python value `{_code(element)}`, not a tensor", small)

    # expressions ------------------------------------------------------------
    def expression(self, node: cst.BaseExpression) -> str:
        """The kind of value ``node`` makes (tensor or Python); refuses anything else."""
        if isinstance(node, cst.Name):
            return self._name(node)
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)):
            return _PYTHON
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self._python(part.expression, f"`{_code(node)}`")
            return _PYTHON
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            self._python(node.left, f"`{_code(node)}`")
            self._python(node.right, f"`{_code(node)}`")
            return _PYTHON
        if isinstance(node, cst.UnaryOperation):
            return self._python(node.expression, f"`{_code(node)}`")
        if isinstance(node, cst.Comparison):
            self._python(node.left, f"`{_code(node)}`")
            for target in node.comparisons:
                self._python(target.comparator, f"`{_code(node)}`")
            return _PYTHON
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._python(element.value, f"`{_code(node)}`")
            return _PYTHON
        if isinstance(node, cst.Subscript):
            self._python(node.value, f"`{_code(node)}`")
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self._python(element.slice.value, f"`{_code(node)}`")
                else:
                    raise _Refused(f"slices in Python (`{_code(node)}`)", node)
            return _PYTHON
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            raise _Refused(f"loops in a comprehension (`{_code(node)}`)", node)
        if isinstance(node, cst.IfExp):
            raise _Refused(f"chooses a value on its arguments (`{_code(node)}`)", node)
        raise _Refused(f"uses a {type(node).__name__} expression (`{_code(node)}`)", node)

    def _python(self, node: cst.BaseExpression, where: str) -> str:
        if self.expression(node) == _TENSOR:
            raise _Refused(f"computes in Python with the tensor `{_code(node)}` ({where})", node)
        return _PYTHON

    def _name(self, node: cst.Name) -> str:
        name = node.value
        if name in _LITERAL_NAMES:
            return _PYTHON
        if name in self.kinds:
            return self.kinds[name]
        if name == self.g:
            raise _Refused(f"uses `{name}` other than to call `{name}.op(...)`", node)
        raise _Refused(
            f"refers to `{name}`, a name from outside the function (module global or closure variable) "
            "that the generated module does not have",
            node,
        )

    def _attribute(self, node: cst.Attribute) -> str:
        dotted = _dotted(node) or ""
        if dotted.startswith("torch.") and dotted.count(".") == 1 and node.attr.value in _TORCH_DTYPES:
            return _PYTHON
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "TensorProtoDataType":
            self.plan.data_types[id(node)] = node.attr.value  # an ONNX data type: onnx_ir's enum has the same names
            return _PYTHON
        base = node.value
        while isinstance(base, cst.Attribute):
            base = base.value
        if isinstance(base, cst.Name) and self.kinds.get(base.value) == _TENSOR:
            raise _Refused(f"reads `{_code(node)}` of a tensor, known only to the legacy graph", node)
        if isinstance(base, cst.Name) and base.value == self.g:
            raise _Refused(f"reads `{_code(node)}` of the graph context", node)
        raise _Refused(f"reads `{_code(node)}`, from outside the function", node)

    def _is_gop(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and _dotted(node.func) == f"{self.g}.op"

    def _is_set_type(self, node: cst.BaseExpression) -> bool:
        """``value.setType(...)``: a type hint for TorchScript; the new exporter infers types itself.

        The receiver is analyzed (once, here); its argument never runs in the generated code.
        """
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                and node.func.attr.value == "setType"):
            return False
        if self.expression(node.func.value) != _TENSOR:
            raise _Refused(f"calls `setType` on the Python value `{_code(node.func.value)}`", node)
        return True

    def _call(self, node: cst.Call) -> str:
        if self._is_gop(node):
            return self._gop(node)
        if self._is_set_type(node):
            self.plan.set_type_calls.add(id(node))
            return _TENSOR
        callee = _dotted(node.func)
        if callee and callee.split(".")[-1] in _CONSTANT_DECODERS:
            return self._decoded_constant(node, callee)
        if callee in _CONVERSIONS or callee == "torch.tensor":
            for arg in node.args:
                self._python(arg.value, f"`{_code(node)}`")
            return _PYTHON
        if callee and callee.startswith(f"{self.g}."):
            raise _Refused(f"calls `{callee}`, which only the legacy graph context has", node)
        root = _root_name(node)
        if root is not None and self.kinds.get(root) == _TENSOR:
            raise _Refused(f"calls a method of the tensor `{root}` (`{_code(node)}`): only the legacy graph has it",
                           node)
        shown = callee or _code(node.func)
        raise _Refused(f"calls `{shown}(...)`: a helper, or Python the translation cannot carry over", node)

    def _decoded_constant(self, node: cst.Call, callee: str) -> str:
        """``_maybe_get_const(alpha, "f")``: legacy's decoding of a constant, which the new exporter already did."""
        value = node.args[0].value if node.args else None
        if not isinstance(value, cst.Name) or node.args[0].keyword is not None:
            raise _Refused(f"calls `{callee}` on an expression (`{_code(node)}`)", node)
        if self.expression(value) == _TENSOR:
            raise _Refused(
                f"decodes `{value.value}` with `{callee}`, but the op schema passes it as a tensor: its value is "
                "only known when the model runs", node)
        self.plan.decoded_constants.add(id(node))
        return _PYTHON

    def _gop(self, node: cst.Call) -> str:
        first = node.args[0] if node.args else None
        if first is None or first.keyword is not None or not isinstance(first.value, cst.SimpleString):
            raise _Refused(f"calls g.op with an op name that is not a string literal (`{_code(node)}`)", node)
        domain, op_type = _split_op_name(str(first.value.evaluated_value), node)
        if not domain and not onnx.defs.has(op_type):
            raise _Refused(
                f"calls g.op(\"{op_type}\"), which is not an ONNX operator: name its domain (`dom::{op_type}`)", node)
        self.plan.dropped_args.add(id(first))
        for arg in node.args[1:]:
            if arg.star:
                raise _Refused(f"passes `{arg.star}{_code(arg.value)}` to g.op: the inputs are only known at run time",
                               node)
            if arg.keyword is None:
                self.expression(arg.value)
            else:
                self._gop_keyword(arg, domain, op_type, node)
        if domain and (domain, op_type) not in self.plan.custom_ops:
            self.plan.custom_ops.append((domain, op_type))
        self.plan.op_calls[id(node)] = (domain, op_type)
        return _TENSOR

    def _gop_keyword(self, arg: cst.Arg, domain: str, op_type: str, call: cst.Call) -> None:
        key = arg.keyword.value  # type: ignore[union-attr]
        if key in ("outputs", "inplace"):
            self._python(arg.value, f"`{key}=` of `{op_type}`")
            if key == "outputs" and not domain and _variadic_outputs(op_type):
                raise _Refused(
                    f"asks `{op_type}` for `outputs={_code(arg.value)}`: its output count is not fixed by the ONNX "
                    "schema, so it depends on the call", call)
            self.plan.dropped_args.add(id(arg))
            return
        if key == "aten":
            raise _Refused(f"asks for an ATen fallback node (`aten=` in g.op(\"{op_type}\"))", call)
        match = _ATTR_KEY.match(key)
        if match is None:
            raise _Refused(f"passes attribute `{key}` with no type suffix (_i, _f, _s, _t ...)", call)
        name, kind = match.group("name"), match.group("kind")
        if isinstance(arg.value, cst.Name) and arg.value.value == "None":
            self.plan.dropped_args.add(id(arg))  # legacy dropped None attributes
            return
        if kind not in _TRANSLATED_SUFFIXES:
            raise _Refused(f"passes attribute `{key}` (suffix _{kind}), which has no general translation", call)
        value_kind = self.expression(arg.value)
        if value_kind == _TENSOR:
            raise _Refused(f"passes the tensor `{_code(arg.value)}` as attribute `{key}`", call)
        self.plan.attributes[id(arg)] = (name, self._converter(kind, arg.value))

    def _converter(self, kind: str, value: cst.BaseExpression) -> Callable[[cst.BaseExpression], cst.BaseExpression]:
        """How the (renamed) value becomes the onnxscript attribute value legacy's suffix made of it."""
        annotation = self.schema_annotation.get(value.value) if isinstance(value, cst.Name) else None
        if kind == "t":
            return lambda expr: _call("ir.tensor", expr)
        if isinstance(value, (cst.Tuple, cst.List)):
            return lambda expr: cst.List([e.with_changes(value=_scalar(kind, e.value, None)) for e in expr.elements])
        if annotation and (annotation.startswith(("Sequence[", "list[", "tuple[", "List[", "Tuple["))):
            if kind == "f" and "float" not in annotation:
                return lambda expr: cst.parse_expression(f"[float(v) for v in {_code(expr, 10**6)}]")
            return lambda expr: _call("list", expr)
        return lambda expr: _scalar(kind, expr, annotation)


def _call(function: str, value: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.parse_expression(function), args=[cst.Arg(value)])


def _scalar(kind: str, expr: cst.BaseExpression, annotation: str | None) -> cst.BaseExpression:
    """One attribute value: ints as floats for ``_f`` (legacy's FLOAT), bools as ints for ``_i``."""
    if kind == "f":
        if isinstance(expr, cst.Integer):
            return cst.Float(f"{int(expr.value, 0)}.0")
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.expression, cst.Integer):
            return expr.with_changes(expression=_scalar(kind, expr.expression, None))
        if isinstance(expr, cst.Float) or annotation in ("float", "Optional[float]"):
            return expr
        if isinstance(expr, cst.Call) and _dotted(expr.func) == "float":
            return expr
        return _call("float", expr)
    if kind == "i":
        if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
            return cst.Integer("1" if expr.value == "True" else "0")
        if annotation == "bool":
            return _call("int", expr)
    return expr


def _split_op_name(name: str, node: cst.CSTNode) -> tuple[str, str]:
    """``"dom::Op"`` -> ("dom", "Op"); ``"Op"`` and ``"onnx::Op"`` -> ("", "Op")."""
    domain, _, op_type = name.rpartition("::")
    if "::" in domain or not op_type.isidentifier():
        raise _Refused(f"calls g.op with the op name {name!r}, which is not `Op` or `domain::Op`", node)
    return ("" if domain == "onnx" else domain), op_type


def _variadic_outputs(op_type: str) -> bool:
    """Whether the ONNX operator's last output is variadic (Split): refused on an unknown op too."""
    try:
        schema = onnx.defs.get_schema(op_type)
    except onnx.defs.SchemaError:
        return True
    return any(o.option == onnx.defs.OpSchema.FormalParameterOption.Variadic for o in schema.outputs)


# --------------------------------------------------------------------------- rewrite


class _Rewriter(cst.CSTTransformer):
    """Applies a :class:`_Plan`: renames names, turns ``g.op`` calls into onnxscript calls, drops type hints."""

    def __init__(self, plan: _Plan, rename: Mapping[str, str], callees: Mapping[tuple[str, str], str],
                 skip_names: set[int]) -> None:
        super().__init__()
        self.plan, self.rename, self.callees, self.skip_names = plan, rename, callees, skip_names

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if id(original_node) in self.skip_names or original_node.value not in self.rename:
            return updated_node
        return updated_node.with_changes(value=self.rename[original_node.value])

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        data_type = self.plan.data_types.get(id(original_node))
        return updated_node if data_type is None else cst.parse_expression(f"ir.DataType.{data_type}")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self.plan.set_type_calls:
            return updated_node.func.value  # type: ignore[attr-defined]
        if id(original_node) in self.plan.decoded_constants:
            return updated_node.args[0].value
        target = self.plan.op_calls.get(id(original_node))
        if target is None:
            return updated_node
        args: list[cst.Arg] = []
        for original, updated in zip(original_node.args, updated_node.args):
            if id(original) in self.plan.dropped_args:
                if original is original_node.args[-1] and args:
                    args[-1] = args[-1].with_changes(comma=updated.comma)  # keep the call's closing layout
                continue
            attribute = self.plan.attributes.get(id(original))
            if attribute is not None:
                name, convert = attribute
                updated = updated.with_changes(keyword=cst.Name(name), value=convert(updated.value))
            args.append(updated)
        return updated_node.with_changes(func=cst.parse_expression(self.callees[target]), args=args)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        kept = [new for old, new in zip(original_node.body, updated_node.body)
                if id(old) not in self.plan.dropped_statements and not _assigns_itself(new)]
        if not kept:
            return cst.RemovalSentinel.REMOVE
        if len(kept) == len(updated_node.body):
            return updated_node
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=kept)


def _assigns_itself(statement: cst.BaseSmallStatement) -> bool:
    """``mode = mode``: what ``mode = _maybe_get_const(mode, "i")`` becomes, dead code."""
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return False
    target, value = statement.targets[0].target, statement.value
    return isinstance(target, cst.Name) and isinstance(value, cst.Name) and target.value == value.value


def _untouchable_names(function: cst.FunctionDef) -> set[int]:
    """Names that are not variables: attribute names and keyword names (``x.alpha``, ``dtype=``)."""

    class _Collector(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: set[int] = set()

        def visit_Attribute(self, node: cst.Attribute) -> None:
            self.found.add(id(node.attr))

        def visit_Arg(self, node: cst.Arg) -> None:
            if node.keyword is not None:
                self.found.add(id(node.keyword))

    collector = _Collector()
    function.body.visit(collector)
    return collector.found


def _renames(signature: _Signature, plan: _Plan, reserved: set[str], function: cst.FunctionDef) -> dict[str, str]:
    """Parameter names -> schema names; locals that would collide with a reserved name get a fresh one."""
    rename = dict(signature.rename)

    class _Locals(cst.CSTVisitor):
        def __init__(self) -> None:
            self.names: list[str] = []

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            targets = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
            self.names += [t.value.value if isinstance(t, cst.Element) else t.value for t in targets]

    found = _Locals()
    function.body.visit(found)
    taken = reserved | set(found.names) | set(rename.values())
    for name in dict.fromkeys(found.names):
        if name in rename or name not in reserved:
            continue
        fresh = f"{name}_"
        while fresh in taken:
            fresh += "_"
        rename[name] = fresh
        taken.add(fresh)
    return rename


# --------------------------------------------------------------------------- assembly


def _header(function_name: str, parameters: Sequence[SchemaParameter]) -> str:
    """``def name(a, b: float = 1.0):`` with the schema's names (the one signature renderer of ``port``)."""
    return render_signature(function_name, parameters)


def _render(source: _Source, plan: _Plan, rewriter: _Rewriter, header: str) -> str:
    """The rewritten body under ``header``, with the provenance comment on its first line."""
    body: list[cst.BaseStatement] = []
    comments: list[cst.EmptyLine] = []
    for original in plan.statements:
        rewritten = original.visit(rewriter)
        if not isinstance(rewritten, cst.BaseStatement):  # dropped: its comments go to the next statement
            comments += [line for line in original.leading_lines if line.comment is not None]
            continue
        body.append(rewritten.with_changes(leading_lines=[*comments, *rewritten.leading_lines]))
        comments = []
    comment = cst.Comment(
        f"# Translated from {source.file}:{source.line(source.function.name)} ({source.qualname}): "
        "only g.op calls, general."
    )
    kept = list(body[0].leading_lines)
    while kept and kept[0].comment is None:
        kept.pop(0)  # blank lines between the def and the body
    body[0] = body[0].with_changes(leading_lines=[cst.EmptyLine(indent=True, comment=comment), *kept])
    function = cst.FunctionDef(name=cst.Name("placeholder"), params=cst.Parameters(),
                               body=cst.IndentedBlock(body=body))
    text = cst.Module(body=[function], default_indent="    ").code
    return header + "\n" + text.split("\n", 1)[1]


def translate_general(
    symbolic: Callable[..., Any],
    function_name: str,
    parameters: Sequence[SchemaParameter],
    *,
    custom_op_identifier: Callable[[str, str], str],
    opset_alias: str = "op",
) -> GeneralFunction | NotGeneral:
    """Rewrite ``symbolic`` into an onnxscript translation function, or say why it is not general.

    The symbolic's parameters after ``g`` map positionally onto ``parameters`` (the op
    schema's arguments, as torch passes them); the result takes every schema argument by
    its schema name, so the new exporter's keyword calls reach it.
    """
    source = _load_source(symbolic)
    if isinstance(source, NotGeneral):
        return source
    try:
        signature = _signature(source, parameters)
        annotations = {p.name: p.annotation for p in parameters}
        plan = _Analyzer(signature, annotations).body(source.function)
        callees = {key: custom_op_identifier(*key) for key in plan.custom_ops}
        callees.update({("", op_type): f"{opset_alias}.{op_type}" for d, op_type in plan.op_calls.values() if not d})
        reserved = {opset_alias, *callees.values(), *_MODULE_NAMES}
        clash = sorted(reserved & set(annotations))
        if clash:
            raise _Refused(f"has a schema argument named `{clash[0]}`, which the generated module uses for itself")
        rename = _renames(signature, plan, reserved | set(annotations), source.function)
    except _Refused as refused:
        line = source.line(refused.node)
        return NotGeneral(refused.reason.replace("{line}", str(line)), line)
    rewriter = _Rewriter(plan, rename, callees, _untouchable_names(source.function))
    text = _render(source, plan, rewriter, _header(function_name, parameters))
    return GeneralFunction(text, tuple(plan.custom_ops))
