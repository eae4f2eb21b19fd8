"""Bodies of the demo products API."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from ..text import Text
from ._common import _Body


class ProductIn(_Body):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    # strict: API.md says a number; lax mode would take "12.5" and true.
    price: Annotated[float, Field(ge=0, lt=1e10, strict=True)]

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("price")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return round(value, 2)


class Product(BaseModel):
    id: int
    name: str
    price: float


class MyInfo(BaseModel):
    userId: str
    userName: str
    role: str
