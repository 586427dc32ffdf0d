"""Nothing lost: an export, successful or not, leaves the user's model and the process as it found them.

* The model: parameters (same objects, same values, ``requires_grad``, ``.grad``),
  buffers, every submodule's ``training`` flag, every kind of hook, and no new
  attributes, after exports that succeed and exports that fail at each stage
  (options, capture, translation, finalization, verification, saving).
* The process: grad mode, the random number generator, ``is_in_onnx_export()``,
  the ``autograd.Function`` hook, the export context, warning filters, and the
  process-default symbolic registry.
* ``registry.scope()`` registrations are gone after the block; ``install()``
  stays exactly in place across exports and uninstalls back to the original.
* Exports from two threads at once both give correct models: ``export`` holds
  a process-wide lock (torch.export is not thread-safe), which is documented
  and enforced.
"""

from __future__ import annotations

import dataclasses
import io
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import torch
from _reliability_support import ModelState, registry_fingerprint

import onnx_migrate
from onnx_migrate.compat import autograd_interception
from onnx_migrate import _torch_compat
from onnx_migrate.compat import autograd_functions
from onnx_migrate.compat import export as export_module
from onnx_migrate.compat.install import LEGACY_MODULES, install, is_installed, uninstall
from onnx_migrate.errors import (
    CaptureError,
    ExportIOError,
    ExportOptionError,
    OnnxMigrateError,
    TranslationError,
    VerificationError,
)
from onnx_migrate.legacy_symbolics.export_context import TrainingMode, current_export
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

OPSET = 13


class Stateful(torch.nn.Module):
    """Convolution, batch norm (running statistics), dropout and a head: everything an export could disturb."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.drop = torch.nn.Dropout(0.3)
        self.head = torch.nn.Linear(4, 2)
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(torch.relu(self.bn(self.conv(x))))
        return self.head(y.mean((2, 3)))


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def stateful_model() -> Stateful:
    """Mixed training flags, a frozen weight, a gradient, and one hook of each kind."""
    torch.manual_seed(0)
    model = Stateful()
    model.train()
    model.head.eval()
    model.conv.weight.requires_grad_(False)
    model.head.weight.grad = torch.ones_like(model.head.weight)
    model.bn.register_forward_hook(_noop)
    model.bn.register_forward_hook(_noop, with_kwargs=True, always_call=True)
    model.register_forward_pre_hook(_noop)
    model.conv.register_forward_pre_hook(_noop, with_kwargs=True)
    model.head.register_full_backward_hook(_noop)
    model.head.register_full_backward_pre_hook(_noop)
    model._register_state_dict_hook(_noop)
    return model


def _example() -> torch.Tensor:
    return torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))


def _registry_with(fn: Callable[..., Any], op: str = "aten::relu") -> SymbolicRegistry:
    registry = SymbolicRegistry.default().copy()
    registry.register(op, OPSET, fn, custom=True)
    return registry


class _BrokenFile(io.BytesIO):
    def write(self, data: Any) -> int:
        raise OSError(5, "Input/output error")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One way an export can end: ``keywords()`` for export(), and the error expected (``None``: success)."""

    id: str
    keywords: Callable[[Path], dict[str, Any]]
    error: type[OnnxMigrateError] | None = None
    args: Callable[[], tuple[Any, ...]] = lambda: (_example(),)


OUTCOMES = [
    Outcome("ok-eval", lambda tmp: {}),
    Outcome("ok-training", lambda tmp: {"training": TrainingMode.TRAINING}),
    Outcome("ok-preserve", lambda tmp: {"training": TrainingMode.PRESERVE}),
    Outcome("ok-eval-verified-and-saved", lambda tmp: {"verify": True, "f": tmp / "m.onnx"}),
    Outcome("ok-keep-initializers-as-inputs", lambda tmp: {"keep_initializers_as_inputs": True, "do_constant_folding": False}),
    Outcome("ok-without-params", lambda tmp: {"export_params": False}),
    Outcome("ok-dynamic-batch", lambda tmp: {"input_names": ["x"], "dynamic_axes": {"x": {0: "batch"}}}),
    Outcome("fail-options", lambda tmp: {"opset_version": 99}, ExportOptionError),
    Outcome("fail-capture", lambda tmp: {}, CaptureError, args=lambda: (torch.randn(2, 5, 8, 8),)),
    Outcome("fail-capture-in-training", lambda tmp: {"training": TrainingMode.TRAINING}, CaptureError, args=lambda: (torch.randn(2, 5, 8, 8),)),
    Outcome("fail-translation", lambda tmp: {"registry": _registry_with(lambda g, x: 1 / 0)}, TranslationError),
    Outcome("fail-translation-in-training", lambda tmp: {"registry": _registry_with(lambda g, x: None), "training": TrainingMode.TRAINING}, TranslationError),
    Outcome("fail-finalize", lambda tmp: {"output_names": ["a", "b"]}, ExportOptionError),
    Outcome(
        "fail-verification-in-training",
        lambda tmp: {"registry": _registry_with(lambda g, x: g.op("Sigmoid", x)), "verify": True, "training": TrainingMode.TRAINING},
        VerificationError,
    ),
    Outcome("fail-saving", lambda tmp: {"f": _BrokenFile()}, ExportIOError),
]


def process_state() -> dict[str, Any]:
    """Process-wide state an export touches while it runs and must put back."""
    owner = autograd_interception.apply_owner()
    return {
        "grad_enabled": torch.is_grad_enabled(),
        "default_dtype": torch.get_default_dtype(),
        "rng": torch.get_rng_state(),
        "in_onnx_export": torch.onnx.is_in_onnx_export(),
        "export_context": current_export(),
        "apply_hook": vars(owner).get("apply"),
        "autograd_calls_pending": len(autograd_functions._CALLS),
        "warning_filters": list(warnings.filters),
        "showwarning": warnings.showwarning,
        "registry": registry_fingerprint(),
        "installed": is_installed(),
    }


def assert_same_process_state(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert torch.equal(before.pop("rng"), after.pop("rng")), "the export advanced the global random number generator"
    assert before == after


@pytest.mark.parametrize("outcome", OUTCOMES, ids=[o.id for o in OUTCOMES])
def test_model_and_process_are_left_as_found(outcome: Outcome, tmp_path: Path) -> None:
    """Test: after each kind of success and failure, the model and the process state are unchanged."""
    model = stateful_model()
    args = outcome.args()
    keywords = {"opset_version": OPSET, **outcome.keywords(tmp_path)}
    model_before, process_before = ModelState.of(model), process_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if outcome.error is None:
            onnx_migrate.export(model, args, **keywords)
        else:
            with pytest.raises(outcome.error):
                onnx_migrate.export(model, args, **keywords)
    assert ModelState.of(model).differences(model_before) == []
    assert_same_process_state(process_before, process_state())


def test_the_model_still_trains_after_an_export() -> None:
    """Test: hooks still fire and gradients still flow after an export (nothing was silently detached)."""
    model = stateful_model()
    calls: list[str] = []
    model.head.register_forward_hook(lambda *a: calls.append("forward"))
    model.head.register_full_backward_hook(lambda *a: calls.append("backward"))
    onnx_migrate.export(model, (_example(),), opset_version=OPSET)
    calls.clear()
    model(_example()).sum().backward()
    assert calls == ["forward", "backward"]
    assert model.bn.weight.grad is not None and model.conv.weight.grad is None


def test_autograd_function_export_failure_leaves_no_hook() -> None:
    """Test: a failing autograd.Function symbolic leaves apply unhooked and the call table empty."""

    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
            return x * 2

        @staticmethod
        def symbolic(g: Any, x: Any) -> Any:
            raise RuntimeError("broken symbolic")

    class UsesDouble(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return Double.apply(x) + 1

    x = torch.randn(2)
    before = process_state()
    with pytest.raises(TranslationError, match="broken symbolic"):
        onnx_migrate.export(UsesDouble(), (x,), opset_version=OPSET)
    assert_same_process_state(before, process_state())
    assert torch.equal(Double.apply(torch.ones(2)), torch.full((2,), 2.0)), "the class works as before"


# -- registries -----------------------------------------------------------------------------------


def _op_types(result: onnx_migrate.ExportResult) -> list[str]:
    return [node.op_type for node in result.model.graph]


def test_scope_registrations_are_gone_after_the_block() -> None:
    """Test: a custom symbolic registered in scope() serves exports inside the block only."""
    registry = SymbolicRegistry.default()
    before = registry_fingerprint()
    with registry.scope():
        onnx_migrate.register_custom_op_symbolic("::relu", lambda g, x: g.op("Sigmoid", x), OPSET)
        inside = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), opset_version=OPSET)
        with pytest.raises(TranslationError):  # a failed export inside the scope changes nothing either
            onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), opset_version=OPSET, registry=_registry_with(lambda g, x: None))
    after = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), opset_version=OPSET)
    assert _op_types(inside) == ["Sigmoid"]
    assert _op_types(after) == ["Relu"]
    assert not any(e.name == "aten::relu" for e in registry.custom_entries())
    assert registry_fingerprint() == before


def test_exports_do_not_change_the_registries_they_are_given() -> None:
    """Test: exports work on a copy; the registry passed in (or the default) is never written to."""

    class Triple(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
            return x * 3

        @staticmethod
        def symbolic(g: Any, x: Any) -> Any:
            return g.op("Mul", x, g.op("Constant", value_t=torch.tensor(3.0)))

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return Triple.apply(x)[: x.shape[0] // 2]  # an autograd routing op and a dynamic size (fx symbolics)

    given = SymbolicRegistry.default().copy()
    given_before, default_before = registry_fingerprint(given), registry_fingerprint()
    onnx_migrate.export(Model(), (torch.randn(4, 2),), opset_version=OPSET, registry=given, dynamic_shapes={"x": {0: torch.export.Dim("n")}})
    onnx_migrate.export(Model(), (torch.randn(4, 2),), opset_version=OPSET)
    with pytest.raises(ExportOptionError):
        onnx_migrate.export(Model(), (torch.randn(4, 2),), opset_version=OPSET, registry=given, output_names=["a", "b"])
    assert registry_fingerprint(given) == given_before
    assert registry_fingerprint() == default_before


# -- install() -----------------------------------------------------------------------------------------


@pytest.fixture
def no_install_leak() -> Iterator[None]:
    assert not is_installed()
    yield
    while is_installed():
        uninstall()


def _torch_onnx_state() -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(vars(torch.onnx)), {name: sys.modules.get(name) for name in LEGACY_MODULES}


def _same_objects(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) is not after.get(name))


def test_install_stays_in_place_across_exports(no_install_leak: None, tmp_path: Path) -> None:
    """Test: routed exports that succeed or fail leave install() exactly as it was; uninstall restores torch."""
    original_namespace, original_modules = _torch_onnx_state()
    with install():
        installed_namespace, installed_modules = _torch_onnx_state()
        registry_before = registry_fingerprint()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(torch.nn.ReLU(), (torch.randn(2, 3),), str(tmp_path / "a.onnx"), opset_version=OPSET)
            with pytest.raises(CaptureError):
                torch.onnx.export(stateful_model(), (torch.randn(1, 5, 8, 8),), str(tmp_path / "b.onnx"), opset_version=OPSET)
            with pytest.raises(ExportOptionError):
                torch.onnx.export(torch.nn.ReLU(), (torch.randn(2, 3),), str(tmp_path / "c.onnx"), opset_version=3)
        assert is_installed()
        namespace, modules = _torch_onnx_state()
        assert _same_objects(installed_namespace, namespace) == []
        assert _same_objects(installed_modules, modules) == []
        assert registry_fingerprint() == registry_before
        assert not torch.onnx.is_in_onnx_export()
    assert not is_installed()
    namespace, modules = _torch_onnx_state()
    assert _same_objects(original_namespace, namespace) == []
    assert _same_objects(original_modules, modules) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.onnx"]


# -- threads -----------------------------------------------------------------------------------------


class LinearReLU(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.linear(x)) * 2


class ConvSigmoid(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(3, 5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.conv(x)).sum(-1)


def _export_and_check(model: torch.nn.Module, x: torch.Tensor, rounds: int, errors: list[BaseException], start: threading.Barrier) -> None:
    start.wait()
    try:
        for _ in range(rounds):
            result = onnx_migrate.export(model, (x,), opset_version=OPSET, input_names=["x"])
            session = ort.InferenceSession(result.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
            (got,) = session.run(None, {"x": x.numpy()})
            with torch.no_grad():
                np.testing.assert_allclose(got, model(x).numpy(), atol=1e-5, rtol=1e-4)
    except BaseException as exc:  # noqa: BLE001 - reported by the main thread
        errors.append(exc)


def test_two_threads_export_different_models_correctly() -> None:
    """Test: two threads exporting different models at once both get correct models (torch.export alone is not thread-safe)."""
    errors: list[BaseException] = []
    start = threading.Barrier(2)
    jobs = [
        threading.Thread(target=_export_and_check, args=(LinearReLU().eval(), torch.randn(2, 8), 4, errors, start)),
        threading.Thread(target=_export_and_check, args=(ConvSigmoid().eval(), torch.randn(2, 3, 7), 4, errors, start)),
    ]
    before = process_state()
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=120)
    assert not any(job.is_alive() for job in jobs)
    assert errors == []
    before.pop("rng")
    after = process_state()
    after.pop("rng")
    assert before == after


def test_exports_are_serialized_by_a_documented_lock() -> None:
    """Test: while one export runs, another thread's export waits for it; export's docstring says so."""
    inside, release, second_started = threading.Event(), threading.Event(), threading.Event()

    def slow_relu(g: Any, x: Any) -> Any:
        inside.set()
        assert release.wait(timeout=60)
        return g.op("Relu", x)

    class Announces(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            second_started.set()
            return x + 1

    results: dict[str, Any] = {}

    def first() -> None:
        results["first"] = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), opset_version=OPSET, registry=_registry_with(slow_relu))

    def second() -> None:
        results["second"] = onnx_migrate.export(Announces(), (torch.randn(2),), opset_version=OPSET)

    one = threading.Thread(target=first)
    one.start()
    try:
        assert inside.wait(timeout=60)
        two = threading.Thread(target=second)
        two.start()
        assert not second_started.wait(timeout=0.5), "a second export ran while the first was still running"
    finally:
        release.set()
    one.join(timeout=60)
    two.join(timeout=60)
    assert second_started.is_set()
    assert _op_types(results["first"]) == ["Relu"] and "Add" in _op_types(results["second"])
    assert "Thread safety" in (onnx_migrate.export.__doc__ or "")
    assert isinstance(export_module._EXPORT_LOCK, type(threading.RLock()))
