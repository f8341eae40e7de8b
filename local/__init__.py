"""The offline local stack behind `make dev`: moto, the template's resources, the API, the handlers.

See `local/__main__.py` for how to run it and docs/architecture.md#the-local-stack for what it is for. Each module's
docstring says what it emulates and what it does not.
"""
