"""The base models of every request and response body, and the page every listing answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from billing.domain.paging import Page


# Every body model builds its validator and serializer on first use (defer_build), not at import: a function
# builds only the few models its route reads and answers, and its cold start pays for nothing else.
class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


class PageOut(ResponseModel):
    """A page of a listing: `data`, and `next_cursor` to pass back as `cursor` (null on the last page).
    Each listing's page names its item model and how one is made from a domain object."""

    data: list[Any]
    next_cursor: str | None

    item_out: ClassVar[Callable[[Any], BaseModel]]

    @classmethod
    def of(cls, page: Page[Any]) -> Self:
        return cls(data=[cls.item_out(item) for item in page.items], next_cursor=page.cursor)
