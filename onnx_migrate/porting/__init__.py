"""``onnx-migrate port``: turn the legacy symbolics a script uses into native code for torch's new exporter.

The script's legacy exports run under :func:`onnx_migrate.install`; every custom
symbolic that runs is recorded (the op, its arguments, the ONNX nodes it
emitted). From the records ``port`` writes a Python module the user owns: one
onnxscript translation function per symbolic (translated from its source when
the symbolic is only ``g.op`` calls, specialized on the recorded calls
otherwise), a ``torch.library.custom_op`` for each ``autograd.Function`` with a
``symbolic``, the ``custom_translation_table`` and the
``torch.onnx.export(..., dynamo=True)`` call that uses it. It then exports the
same models with torch's new exporter and that table and compares them with
onnx_migrate's exports.
"""
