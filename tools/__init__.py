"""Repository tooling shared by tests, the local stack and benchmarks (never deployed)."""
