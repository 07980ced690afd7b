"""Benchmarks that ship with the project. Each module runs side by side with its named peer in
one process and prints ratios; results go to BENCHMARKS.md with the machine and the date.

    .venv/bin/python -m bench.feeds     # feed building and serving vs django-ical
    .venv/bin/python -m bench.status    # status recompute vs a hand-written SQL GROUP BY
"""
