"""Benchmarks: a seeded generator of synthetic contrats de ville and timed runs.

``python -m benchmarks.generate --preset example --out examples/`` writes the bundled
example corpus; larger presets (``1k``, ``10k``, ``national``) feed the timed benchmarks.
"""
