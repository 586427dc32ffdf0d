"""Pins every private torch API onnx_migrate relies on (all of them behind onnx_migrate._torch_compat).

When a torch upgrade changes one of these, this file fails loudly, naming the
assumption, instead of exports silently changing.
"""

from __future__ import annotations

import gc
import importlib.util
import weakref

import pytest
import torch

from onnx_migrate import _torch_compat


def test_torch_version_is_parsed() -> None:
    """Test: the version guard parses torch's version (local suffixes like +cpu dropped)."""
    assert _torch_compat.TORCH_VERSION.major >= 2


def test_size_oblivious_flag_exists_and_is_restored() -> None:
    """Test: torch.fx.experimental._config.backed_size_oblivious exists and is set only inside the context."""
    config = torch.fx.experimental._config
    assert hasattr(config, "backed_size_oblivious"), "torch removed backed_size_oblivious: batch-1 dynamic axes break"
    before = config.backed_size_oblivious
    with _torch_compat.size_oblivious_dims():
        assert config.backed_size_oblivious is True
    assert config.backed_size_oblivious == before


def test_size_one_dynamic_dim_stays_dynamic() -> None:
    """Test: with the flag, a batch of 1 marked dynamic is not specialized by torch.export."""
    with _torch_compat.size_oblivious_dims():
        program = torch.export.export(
            torch.nn.Linear(3, 2), (torch.randn(1, 3),), dynamic_shapes=({0: torch.export.Dim.DYNAMIC},)
        )
    (placeholder,) = [n for n in program.graph.nodes if n.op == "placeholder" and n.name.startswith("input")]
    assert isinstance(placeholder.meta["val"].shape[0], torch.SymInt)


def test_onnx_exporting_flag_drives_is_in_onnx_export() -> None:
    """Test: torch.onnx.is_in_onnx_export() reads the private flag we set, and it is reset after."""
    assert not torch.onnx.is_in_onnx_export()
    with _torch_compat.onnx_exporting_flag():
        assert torch.onnx.is_in_onnx_export()
    assert not torch.onnx.is_in_onnx_export()


def test_op_schema_and_higher_order_ops() -> None:
    """Test: OpOverload._schema gives argument names/defaults; torch.cond is a HigherOrderOperator."""
    schema = _torch_compat.op_schema(torch.ops.aten.add.Tensor)
    assert [a.name for a in schema.arguments] == ["self", "other", "alpha"]
    assert schema.arguments[2].has_default_value()
    assert _torch_compat.op_schema(len) is None
    assert _torch_compat.is_higher_order_op(torch.ops.higher_order.cond)
    assert not _torch_compat.is_higher_order_op(torch.ops.aten.add.Tensor)


def test_pytree_functions() -> None:
    """Test: the private pytree module keeps tree_flatten / tree_leaves / tree_map."""
    leaves, spec = _torch_compat.pytree.tree_flatten(((1, 2), {"a": 3}))
    assert leaves == [1, 2, 3]
    assert _torch_compat.pytree.tree_leaves([1, (2,)]) == [1, 2]
    assert _torch_compat.pytree.tree_map(lambda x: x * 2, (1, [2])) == (2, [4])


def test_script_objects_are_recognized() -> None:
    """Test: a scripted module is detected by class name/module, without calling torch.jit from the package."""
    if not hasattr(torch, "jit"):
        pytest.skip("torch has no TorchScript")
    assert _torch_compat.is_script_object(torch.jit.script(torch.nn.ReLU()))
    assert not _torch_compat.is_script_object(torch.nn.ReLU())


def test_autograd_function_calls_reach_forward_through_the_class() -> None:
    """Test: torch's C apply looks forward up on the class at call time, so wrapping it sees aliases.

    onnx_migrate.compat.autograd_interception relies on this (torch 2.14 moved ``apply`` into C,
    where no Python hook on ``apply`` sees a ``f = MyFunction.apply`` alias taken earlier).
    """

    class Probe(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

    alias = Probe.apply
    seen = []
    original = Probe.forward
    Probe.forward = staticmethod(lambda ctx, x: seen.append(x) or original(ctx, x))
    try:
        out = alias(torch.ones(2))
    finally:
        del Probe.forward
    assert seen and torch.equal(out, torch.full((2,), 2.0))
    assert "forward" not in vars(Probe) or Probe.forward is not None


@pytest.mark.skipif(
    importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is None,
    reason="torch no longer ships the legacy exporter",
)
def test_legacy_registry_layout_for_carry_over() -> None:
    """Test: registrations made through torch's legacy API are found where legacy_custom_symbolics reads them."""
    import warnings

    def symbolic(g, x):
        return g.op("Relu", x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.register_custom_op_symbolic("omcompat::probe", symbolic, 11)
        try:
            assert ("omcompat::probe", 11, symbolic) in _torch_compat.legacy_custom_symbolics()
        finally:
            torch.onnx.unregister_custom_op_symbolic("omcompat::probe", 11)


@pytest.mark.skipif(
    importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is None,
    reason="torch no longer ships the legacy exporter",
)
def test_legacy_parse_args_wrapper_layout() -> None:
    """Test: torch's legacy parse_args wrapper keeps its descriptors in its closure and the inner fn in __wrapped__."""
    from torch.onnx import symbolic_helper

    def inner(g, x, alpha):
        return x

    wrapped = symbolic_helper.parse_args("v", "f")(inner)
    assert _torch_compat.is_legacy_exporter_code(wrapped) and not _torch_compat.is_legacy_exporter_code(inner)
    assert _torch_compat.legacy_parse_args_parts(wrapped) == (("v", "f"), inner)
    assert _torch_compat.legacy_parse_args_parts(inner) is None
    assert _torch_compat.is_legacy_exporter_code(symbolic_helper._maybe_get_const)


def test_data_reads_as_detach_and_is_put_back() -> None:
    """Test: inside the block ``.data`` is a detach (same values, no grad), assignment still works; after, torch's own."""
    weight = torch.nn.Parameter(torch.ones(2))
    with _torch_compat.data_reads_as_detach():
        assert "data" in vars(torch.Tensor)
        read = weight.data
        assert torch.equal(read, torch.ones(2)) and not read.requires_grad
        weight.data = torch.zeros(2)
    assert "data" not in vars(torch.Tensor)
    assert torch.equal(weight.data, torch.zeros(2))


def test_parameter_data_ptrs_as_real_relies_on_tensorbase_and_is_put_back() -> None:
    """Test: ``data_ptr`` lives on the private ``torch._C.TensorBase`` (not ``torch.Tensor``); inside the
    block real tensors answer as before, and afterwards torch's own method is back."""
    assert "data_ptr" not in vars(torch.Tensor) and hasattr(torch._C.TensorBase, "data_ptr")
    model = torch.nn.Linear(3, 2)
    before = model.weight.data_ptr()
    with _torch_compat.parameter_data_ptrs_as_real(model):
        assert "data_ptr" in vars(torch.Tensor)
        assert model.weight.data_ptr() == before and model.weight[1:].data_ptr() == before + 3 * 4
    assert "data_ptr" not in vars(torch.Tensor)


def test_a_kept_copy_of_the_patched_data_ptr_does_not_keep_the_model_alive() -> None:
    """Test: torch._dynamo snapshots ``torch.Tensor``'s attributes when first imported, which can be inside
    the block; the patched function it keeps then must not hold the model or its weights."""
    model = torch.nn.Linear(3, 2)
    model_ref, weight_ref = weakref.ref(model), weakref.ref(model.weight)
    with _torch_compat.parameter_data_ptrs_as_real(model):
        kept = vars(torch.Tensor)["data_ptr"]
    del model
    gc.collect()
    assert model_ref() is None and weight_ref() is None
    real = torch.ones(2)
    assert kept(real) == real.data_ptr()  # what is left still answers like torch's own method


def test_input_guards_read_torch_exports_guard_code() -> None:
    """Test: torch.export keeps the conditions on input sizes as Python source in ``_guards_code``."""
    from torch.export import Dim

    class Branchy(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.shape[0] > 3 else x

    program = torch.export.export(Branchy(), (torch.randn(6, 2),), dynamic_shapes=({0: Dim.AUTO},), strict=False)
    assert isinstance(program._guards_code, list)
    assert "L['x'].size()[0] > 3" in _torch_compat.input_guards(program)


def test_vf_functions_are_what_recurrent_layers_call_and_are_put_back() -> None:
    """Test: ``nn.LSTM``/``GRU``/``RNN`` call ``torch._VF.<name>`` at call time (a ``VFModule`` whose
    ``__getattr__`` an instance attribute shadows); inside the block the replacement runs, afterwards torch's."""
    import inspect

    import torch.nn.modules.rnn as rnn

    source = inspect.getsource(rnn)
    for name in ("lstm", "gru", "rnn_tanh", "rnn_relu"):
        assert f"_VF.{name}(" in source and _torch_compat.vf_function(name) is not None
    calls = []
    original = _torch_compat.vf_function("gru")
    with _torch_compat.vf_function_replaced("gru", lambda *a: calls.append(a) or original(*a)):
        torch.nn.GRU(2, 3)(torch.randn(4, 1, 2))
    assert len(calls) == 1 and "gru" not in vars(torch._VF)
    torch.nn.GRU(2, 3)(torch.randn(4, 1, 2))
    assert len(calls) == 1
