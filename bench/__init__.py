"""`make bench`: performance figures, each beside a baseline measured in the same run.

What they hold us to: docs/architecture.md#performance-rules.
"""
