from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RateLimitSpec")


@_attrs_define
class RateLimitSpec:
    """At most `limit` verifications in any `duration_ms` (a sliding window; see docs/LIMITS.md).

    Attributes:
        duration_ms (int): 60 ms to 30 days. Example: 60000.
        limit (int): At least 1. Example: 100.
        name (str): 1 to 64 letters, digits, `-`, `_`, `.` or `:`; unique on its owner. Example: requests.
    """

    duration_ms: int
    limit: int
    name: str

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms

        limit = self.limit

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "duration_ms": duration_ms,
                "limit": limit,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_ms = d.pop("duration_ms")

        limit = d.pop("limit")

        name = d.pop("name")

        rate_limit_spec = cls(
            duration_ms=duration_ms,
            limit=limit,
            name=name,
        )

        return rate_limit_spec
