"""Small legacy-style export projects bundled with the package (the demo and the docs use them)."""
