"""The helpers symbolic functions are built from, split by job, under plain names.

The legacy ``symbolic_helper`` module has one flat namespace of ~150 helpers, most of
them underscore-named (``_get_const``, ``_reshape_helper``). Here each module holds one
kind of helper under a plain name (``args.get_const``, ``shapes.reshape_helper``), and
the built-in library (``ops/``) calls those. :mod:`..symbolic_helper` is the legacy
facade: it imports the same functions under their legacy names, for user code only.
"""

from __future__ import annotations
