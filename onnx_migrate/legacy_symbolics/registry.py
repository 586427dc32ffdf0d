"""The symbolic registry: which function translates an op at which opset.

The legacy semantics are kept exactly:

* A symbolic registered at opset ``k`` serves every target opset ``>= k`` until a
  later registration takes over. For a target ``>= 9`` the function registered at
  the highest opset ``<= target`` wins, searching down to opset 1, so a custom op
  registered at opset 1 serves every opset. For targets 7 and 8 the search goes
  *up* toward opset 9, because opset 9 is the base of the built-in library.
* Custom registrations are kept apart from built-ins and win *at the same opset
  key*; unregistering a custom one brings the built-in back.
* Whether a custom or a built-in function serves a target is decided with the
  opset keys of torch's *legacy* library (``legacy_opsets.LEGACY_OPSETS``,
  generated from its sources by ``tools/gen_legacy_opsets.py``), not with ours:
  our built-ins are keyed differently for many names (``aten::triu`` at 9 and 14,
  legacy at 14 only), and a different key set would change which one runs. When
  the built-in wins, our own best built-in for the target runs. For a name legacy
  did not have, no built-in key makes a custom registration lose.

Unlike the legacy exporter there is no module-level registry mutated by import
side effects: a :class:`SymbolicRegistry` is an object. One process-default
instance (:meth:`SymbolicRegistry.default`) backs the legacy free functions
(``register_custom_op_symbolic`` ...), and every export works on a snapshot
(:meth:`SymbolicRegistry.copy`) so registrations cannot leak between exports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import re
import threading
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from onnx_migrate.errors import DuplicateSymbolicError, SymbolicRegistrationError
from onnx_migrate.legacy_symbolics.marks import builtin_marks, builtin_symbolic
from onnx_migrate.legacy_symbolics.opsets import BASE_OPSET, MAX_OPSET, MIN_OPSET

__all__ = [
    "BASE_OPSET",
    "MAX_OPSET",
    "MIN_OPSET",
    "LookupResult",
    "LookupStatus",
    "SymbolicEntry",
    "SymbolicFunctionGroup",
    "SymbolicRegistry",
    "builtin_marks",
    "builtin_symbolic",
    "custom_onnx_symbolic",
    "dispatch_opset_version",
    "get_function_group",
    "is_registered_op",
    "onnx_symbolic",
    "register_custom_op_symbolic",
    "unregister_custom_op_symbolic",
    "validate_custom_op_name",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_CUSTOM_NAME = re.compile(r"^[a-zA-Z0-9-_]+::[a-zA-Z-_]+[a-zA-Z0-9-_]*$")


def dispatch_opset_version(target: int, registered: Sequence[int] | set[int]) -> int | None:
    """The registered opset that serves ``target``, or ``None``.

    >>> dispatch_opset_version(13, {9, 11})
    11
    >>> dispatch_opset_version(8, {9, 11})
    9
    >>> dispatch_opset_version(10, {1})
    1
    """
    ordered = sorted(registered)
    if target >= BASE_OPSET:
        below = [v for v in ordered if v <= target]
        return below[-1] if below else None
    # Opsets 7 and 8 look upward, and never past the base opset.
    above = [v for v in ordered if target <= v <= BASE_OPSET]
    return above[0] if above else None


@dataclasses.dataclass(frozen=True)
class SymbolicEntry:
    """One registered symbolic function.

    Attributes:
        name: qualified op name, ``domain::op`` (``aten::relu``).
        opset: the opset it was registered at (it serves from there upward).
        fn: the symbolic function, called as ``fn(g, *args, **kwargs)``.
        custom: whether it is a user override rather than a built-in.
    """

    name: str
    opset: int
    fn: Callable[..., Any]
    custom: bool

    @property
    def origin(self) -> str:
        """Where the function lives, for reports: ``module.qualname``."""
        module = getattr(self.fn, "__module__", "?")
        qualname = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"{module}.{qualname}"


class LookupStatus(enum.IntEnum):
    """Why a lookup did or did not find a symbolic (feeds the export report)."""

    NOT_REGISTERED = 0
    OPSET_TOO_LOW = 1
    OK = 2


@dataclasses.dataclass(frozen=True)
class LookupResult:
    """The answer of :meth:`SymbolicRegistry.lookup`: an entry or the reason there is none."""

    entry: SymbolicEntry | None
    status: LookupStatus
    reason: str
    supported_opsets: tuple[int, ...] = ()


class SymbolicFunctionGroup:
    """All functions registered for one op name, across opsets, built-in and custom.

    The legacy name ``get_function_group(name)`` returns this object; its
    ``get(opset)`` / ``add`` / ``add_custom`` / ``remove_custom`` /
    ``get_min_supported`` methods keep their legacy meaning.
    """

    def __init__(self, name: str, legacy_opsets: Collection[int] | None = None) -> None:
        """``legacy_opsets``: the keys torch's legacy library registered ``name`` at (``None``: it had none)."""
        self._name = name
        self._base: dict[int, Callable[..., Any]] = {}
        self._custom: dict[int, Callable[..., Any]] = {}
        self._legacy: frozenset[int] | None = None if legacy_opsets is None else frozenset(legacy_opsets)

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"SymbolicFunctionGroup({self._name!r}, builtin={sorted(self._base)}, custom={sorted(self._custom)})"

    @property
    def legacy_opsets(self) -> frozenset[int] | None:
        """The opset keys of the legacy library for this name, or ``None`` if legacy had no such built-in."""
        return self._legacy

    def _copy(self) -> SymbolicFunctionGroup:
        clone = SymbolicFunctionGroup(self._name, self._legacy)
        clone._base = dict(self._base)
        clone._custom = dict(self._custom)
        return clone

    def opsets(self) -> set[int]:
        """Every opset with a registration, built-in or custom."""
        return set(self._base) | set(self._custom)

    def entry(self, opset: int) -> SymbolicEntry | None:
        """The entry that serves ``opset``: a custom one if it wins there, else our best built-in."""
        custom = self._winning_custom_opset(opset)
        if custom is not None:
            return SymbolicEntry(self._name, custom, self._custom[custom], True)
        version = dispatch_opset_version(opset, self._base)
        if version is None:
            return None
        return SymbolicEntry(self._name, version, self._base[version], False)

    def _decision_opsets(self) -> set[int]:
        """The built-in keys that compete with custom ones: legacy's for a legacy name, none otherwise.

        Our own built-in keys differ from legacy's for many names (we register at
        other opsets, or at opsets past 20); letting them decide would change which
        function runs compared with the legacy exporter. A name legacy did not have
        has no built-in a legacy user could have been overridden by, so no built-in
        key makes a custom registration lose.
        """
        return set(self._legacy or ())

    def _winning_custom_opset(self, opset: int) -> int | None:
        """The custom key that serves ``opset``, or ``None`` when a built-in (or nothing) serves it."""
        if not self._custom:
            return None
        alone = dispatch_opset_version(opset, self._custom)
        if alone is None:
            return None
        decided = dispatch_opset_version(opset, self._decision_opsets() | set(self._custom))
        if decided in self._custom:
            return decided
        # Legacy's built-in wins. With no built-in of ours for the opset the user's
        # function is the only one that can run: use it rather than fail the export.
        return alone if dispatch_opset_version(opset, self._base) is None else None

    def shadowed_custom_opset(self, opset: int) -> int | None:
        """The custom key that would serve ``opset`` but loses to a built-in there, or ``None``."""
        alone = dispatch_opset_version(opset, self._custom) if self._custom else None
        if alone is None or self._winning_custom_opset(opset) is not None:
            return None
        return alone

    def deciding_builtin_opset(self, opset: int) -> int | None:
        """The legacy built-in key that beats the custom registrations at ``opset`` (``None`` if none does)."""
        if self.shadowed_custom_opset(opset) is None:
            return None
        return dispatch_opset_version(opset, self._decision_opsets() | set(self._custom))

    def custom_override_opsets(self, opset: int) -> tuple[int, ...]:
        """The opsets at which one more custom registration would serve ``opset``, as in legacy.

        >>> group = SymbolicFunctionGroup("aten::gelu", legacy_opsets=(9, 20))
        >>> group.custom_override_opsets(17)[0], group.custom_override_opsets(17)[-1]
        (9, 17)
        """
        competing = self._decision_opsets() | set(self._custom)
        return tuple(
            key for key in range(1, MAX_OPSET + 1) if dispatch_opset_version(opset, competing | {key}) == key
        )

    def get(self, opset: int) -> Callable[..., Any] | None:
        """The function that serves ``opset``, or ``None``."""
        found = self.entry(opset)
        return found.fn if found else None

    def support_opset(self, opset: int) -> bool:
        """Whether a function is registered exactly at ``opset``."""
        return opset in self.opsets()

    def add(self, func: Callable[..., Any], opset: int) -> None:
        """Register a built-in; a second built-in at the same opset is a bug."""
        if opset in self._base and self._base[opset] is not func:
            raise DuplicateSymbolicError(
                f"Built-in symbolic {self._name!r} is already registered at opset {opset} "
                f"({_describe(self._base[opset])}); register overrides with custom=True."
            )
        self._base[opset] = func

    def add_custom(self, func: Callable[..., Any], opset: int) -> None:
        """Register a user override at ``opset`` (replaces an earlier override there)."""
        self._custom[opset] = func

    def remove_custom(self, opset: int) -> None:
        """Remove the user override at ``opset``; warns, as legacy did, if there is none."""
        if opset not in self._custom:
            warnings.warn(
                f"No custom symbolic is registered for {self._name!r} at opset {opset}; nothing to unregister.",
                stacklevel=3,
            )
            return
        del self._custom[opset]

    def get_min_supported(self) -> int:
        """The lowest opset with any registration."""
        return min(self.opsets())

    def custom_opsets(self) -> set[int]:
        return set(self._custom)

    def builtin_opsets(self) -> set[int]:
        return set(self._base)

    def is_empty(self) -> bool:
        return not self._base and not self._custom


def _describe(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)!s}"


def validate_custom_op_name(name: str) -> str:
    """Check a user-facing symbolic name and return it in ``domain::op`` form.

    ``"::relu"`` means ``"aten::relu"``, as in the legacy API.

    Raises:
        SymbolicRegistrationError: the name is malformed or targets the ``onnx`` domain.
    """
    if not isinstance(name, str):
        raise SymbolicRegistrationError(
            f"A symbolic name must be a string 'domain::op', got {type(name).__name__} {name!r}."
        )
    if name.startswith("::"):
        name = f"aten{name}"
    if not _CUSTOM_NAME.match(name):
        raise SymbolicRegistrationError(
            f"Failed to register operator {name!r}: the name must have the form 'domain::name' "
            "(e.g. 'mylib::my_op' or 'aten::gelu'), the op part must start with a letter, and only "
            "letters, digits, '-' and '_' are allowed."
        )
    if name.split("::", 1)[0] == "onnx":
        raise SymbolicRegistrationError(
            f"Failed to register operator {name!r}: the 'onnx' domain cannot be modified. "
            "Register the ATen op the model uses instead (e.g. 'aten::relu'), or use your own domain."
        )
    return name


def _validate_opset(opset: Any, name: str) -> int:
    if isinstance(opset, bool) or not isinstance(opset, int):
        raise SymbolicRegistrationError(
            f"The opset for {name!r} must be an int, got {type(opset).__name__} {opset!r}."
        )
    if not 1 <= opset <= MAX_OPSET:
        raise SymbolicRegistrationError(
            f"The opset for {name!r} must be between 1 and {MAX_OPSET}, got {opset}."
        )
    return opset


class SymbolicRegistry:
    """Maps qualified op names to their symbolic functions across opsets.

    Thread-safe for registration; lookups read a consistent snapshot when an
    export works on :meth:`copy`.
    """

    _default: SymbolicRegistry | None = None
    _default_lock = threading.Lock()

    def __init__(self, legacy_opsets: Mapping[str, Collection[int]] | None = None) -> None:
        """``legacy_opsets``: per name, the keys of torch's legacy library that decide custom vs built-in.

        The default is the generated table of :mod:`.legacy_opsets`; tests pass their own.
        """
        if legacy_opsets is None:
            from onnx_migrate.legacy_symbolics.legacy_opsets import LEGACY_OPSETS

            legacy_opsets = LEGACY_OPSETS
        self._legacy_opsets = legacy_opsets
        self._groups: dict[str, SymbolicFunctionGroup] = {}
        self._lock = threading.RLock()
        # Each open scope() records (name, opset, previous custom fn or None).
        self._scopes: list[list[tuple[str, int, Callable[..., Any] | None]]] = []

    # -- construction -------------------------------------------------------------

    @classmethod
    def with_builtins(cls) -> SymbolicRegistry:
        """A new registry holding the built-in symbolic library only (``ops`` lists it).

        The registry sits above the library (``ops`` only marks its functions, see
        :mod:`.marks`); the import is deferred so that importing the registry for its
        types stays cheap (it does not load the ~2,000 built-ins and torch's graph API).
        """
        from onnx_migrate.legacy_symbolics import ops

        registry = cls()
        ops.register_builtins(registry)
        return registry

    @classmethod
    def default(cls) -> SymbolicRegistry:
        """The process-default registry: built-ins plus the user's registrations.

        The legacy free functions (``register_custom_op_symbolic``, ``onnx_symbolic``)
        write here; every export starts from a copy of it.
        """
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls.with_builtins()
        return cls._default

    def copy(self) -> SymbolicRegistry:
        """An independent snapshot (open scopes are not carried over)."""
        with self._lock:
            clone = SymbolicRegistry(self._legacy_opsets)
            clone._groups = {name: group._copy() for name, group in self._groups.items()}
            return clone

    # -- registration ------------------------------------------------------------

    def register(self, name: str, opset: int, func: Callable[..., Any], custom: bool = False) -> None:
        """Register ``func`` for ``name`` at ``opset``.

        Args:
            name: ``domain::op``.
            opset: the opset from which ``func`` serves.
            func: the symbolic function.
            custom: a user override (kept apart from built-ins, wins at the same opset).

        Raises:
            SymbolicRegistrationError: bad name, opset or function.
            DuplicateSymbolicError: a second built-in for the same name and opset.
        """
        if not isinstance(name, str) or "::" not in name:
            raise SymbolicRegistrationError(
                f"The symbolic name must have the form 'domain::op' (e.g. 'aten::relu'), got {name!r}."
            )
        _validate_opset(opset, name)
        if not callable(func):
            raise SymbolicRegistrationError(
                f"The symbolic for {name!r} at opset {opset} must be callable, got {type(func).__name__}."
            )
        with self._lock:
            group = self._group_for(name)
            if custom:
                if self._scopes:
                    self._scopes[-1].append((name, opset, group._custom.get(opset)))
                group.add_custom(func, opset)
            else:
                group.add(func, opset)

    def _group_for(self, name: str) -> SymbolicFunctionGroup:
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = SymbolicFunctionGroup(name, self._legacy_opsets.get(name))
        return group

    def unregister(self, name: str, opset: int) -> None:
        """Remove the custom symbolic of ``name`` at ``opset`` (built-ins stay)."""
        with self._lock:
            group = self._groups.get(name)
            if group is None:
                return
            previous = group._custom.get(opset)
            group.remove_custom(opset)
            if self._scopes and previous is not None:
                self._scopes[-1].append((name, opset, previous))

    def onnx_symbolic(
        self,
        name: str,
        opset: int | Sequence[int],
        decorate: Sequence[Callable[[Callable[..., Any]], Callable[..., Any]]] | None = None,
        custom: bool = False,
    ) -> Callable[[_F], _F]:
        """Decorator form of :meth:`register`; returns the undecorated function.

        ``decorate`` wraps only the registered copy, as in the legacy API.
        """
        opsets = (opset,) if isinstance(opset, int) else tuple(opset)

        def wrapper(func: _F) -> _F:
            decorated: Callable[..., Any] = func
            for decorator in decorate or ():
                decorated = decorator(decorated)
            for version in opsets:
                self.register(name, version, decorated, custom=custom)
            return func

        return wrapper

    @contextlib.contextmanager
    def scope(self) -> Iterator[SymbolicRegistry]:
        """Undo, on exit, every custom registration and unregistration made inside.

        >>> registry = SymbolicRegistry()
        >>> with registry.scope():
        ...     registry.register("mylib::foo", 11, lambda g, x: x, custom=True)
        >>> registry.is_registered_op("mylib::foo", 11)
        False
        """
        with self._lock:
            self._scopes.append([])
        try:
            yield self
        finally:
            with self._lock:
                changes = self._scopes.pop()
                for name, opset, previous in reversed(changes):
                    # The group may be gone (emptied by an earlier undo step): rebuild it.
                    group = self._group_for(name)
                    if previous is None:
                        group._custom.pop(opset, None)
                    else:
                        group._custom[opset] = previous
                # Prune only after every step ran: a later step may refill a group.
                for name in {change[0] for change in changes}:
                    group = self._groups.get(name)
                    if group is not None and group.is_empty():
                        del self._groups[name]
                # An enclosing scope must be able to undo what this one restored.
                if self._scopes:
                    self._scopes[-1].extend(changes)

    # -- queries -----------------------------------------------------------------

    def get_function_group(self, name: str) -> SymbolicFunctionGroup | None:
        """The group of functions registered under ``name``, or ``None``."""
        return self._groups.get(name)

    def is_registered_op(self, name: str, version: int) -> bool:
        """Whether some function serves ``name`` at opset ``version``."""
        group = self._groups.get(name)
        return group is not None and group.get(version) is not None

    def all_functions(self) -> set[str]:
        """Every registered op name."""
        return set(self._groups)

    def lookup(self, name: str, opset: int) -> LookupResult:
        """The entry serving ``name`` at ``opset``, or why there is none."""
        group = self._groups.get(name)
        if group is None or group.is_empty():
            return LookupResult(None, LookupStatus.NOT_REGISTERED, f"no symbolic is registered for {name!r}")
        entry = group.entry(opset)
        supported = tuple(sorted(group.opsets()))
        if entry is None:
            return LookupResult(
                None,
                LookupStatus.OPSET_TOO_LOW,
                f"{name!r} has symbolics registered at opsets {list(supported)}, none serving opset {opset}",
                supported,
            )
        return LookupResult(entry, LookupStatus.OK, f"{entry.origin} registered at opset {entry.opset}", supported)

    def custom_entries(self) -> list[SymbolicEntry]:
        """Every user override, for reports and the bridge."""
        return [
            SymbolicEntry(name, opset, fn, True)
            for name, group in sorted(self._groups.items())
            for opset, fn in sorted(group._custom.items())
        ]

    def shadowed_custom_entries(self, opset: int) -> list[SymbolicEntry]:
        """Custom entries that would serve ``opset`` but lose to a built-in there.

        As in the legacy exporter, ``register_custom_op_symbolic('aten::gelu', fn, 1)``
        never runs from opset 9 on, where legacy registered its built-in ``gelu``.
        """
        hidden = []
        for entry in self.custom_entries():
            if self._groups[entry.name].shadowed_custom_opset(opset) == entry.opset:
                hidden.append(entry)
        return hidden


# -- the legacy free functions (they act on the process-default registry) ------------


def onnx_symbolic(
    name: str,
    opset: int | Sequence[int],
    decorate: Sequence[Callable[[Callable[..., Any]], Callable[..., Any]]] | None = None,
    custom: bool = False,
) -> Callable[[_F], _F]:
    """The legacy ``registration.onnx_symbolic`` decorator, on the default registry."""
    return SymbolicRegistry.default().onnx_symbolic(name, opset, decorate, custom)


def custom_onnx_symbolic(
    name: str,
    opset: int | Sequence[int],
    decorate: Sequence[Callable[[Callable[..., Any]], Callable[..., Any]]] | None = None,
) -> Callable[[_F], _F]:
    """The legacy ``registration.custom_onnx_symbolic`` decorator, on the default registry."""
    return onnx_symbolic(name, opset, decorate, custom=True)


def register_custom_op_symbolic(symbolic_name: str, symbolic_fn: Callable[..., Any], opset_version: int) -> None:
    """Register ``symbolic_fn`` for ``symbolic_name`` (``domain::op``) from ``opset_version`` on.

    Same contract as the legacy ``torch.onnx.register_custom_op_symbolic``:
    ``"::op"`` means ``"aten::op"``, the ``onnx`` domain cannot be overridden. A function
    whose first parameter is annotated ``SymbolicContext`` (torch 1.11-1.12) is called
    ``fn(ctx, g, *args)`` as it was.
    """
    from onnx_migrate.legacy_symbolics.jit_utils import adapt_symbolic_context  # deferred like ops: import cost

    name = validate_custom_op_name(symbolic_name)
    SymbolicRegistry.default().register(name, opset_version, adapt_symbolic_context(symbolic_fn), custom=True)


def unregister_custom_op_symbolic(symbolic_name: str, opset_version: int) -> None:
    """Remove a registration made by :func:`register_custom_op_symbolic`."""
    name = validate_custom_op_name(symbolic_name)
    SymbolicRegistry.default().unregister(name, opset_version)


def is_registered_op(name: str, version: int) -> bool:
    """Legacy query on the default registry."""
    return SymbolicRegistry.default().is_registered_op(name, version)


def get_function_group(name: str) -> SymbolicFunctionGroup | None:
    """Legacy query on the default registry."""
    return SymbolicRegistry.default().get_function_group(name)
