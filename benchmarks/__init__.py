"""Benchmarks: scripts that measure, and the figures they last produced.

``python -m benchmarks`` runs every main job at 1×, 10× (and 100×) the reported scale
against baselines measured in the same run and writes ``RESULTS.md`` and ``scaling.png``;
each ``bench_*.py`` also runs on its own. Nothing here is imported by the package.
"""
