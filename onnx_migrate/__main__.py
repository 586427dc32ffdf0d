"""``python -m onnx_migrate``: the same as the ``onnx-migrate`` command."""

from __future__ import annotations

import sys

from onnx_migrate.cli import main

sys.exit(main())
