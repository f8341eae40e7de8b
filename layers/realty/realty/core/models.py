"""The base of the layer's pydantic models: validators are built on first use, not at import.

A function imports every model its routes and services mention (the tours function ~100 classes,
most of them for routes or pipeline steps other than the one being served), while one request
validates a handful. With `defer_build`, pydantic builds a model's validator and serializer the
first time the model is used instead of when the class is created, which roughly halves the import
cost of a models module (measured with `make bench`, see docs/decisions.md). Behaviour is otherwise
the same; pydantic 2.14 serialises that first build across threads.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
