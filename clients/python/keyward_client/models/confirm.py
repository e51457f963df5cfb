from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Confirm")


@_attrs_define
class Confirm:
    """`{"confirm": true}`, required by the revoke-all operations.

    Attributes:
        confirm (bool):
    """

    confirm: bool

    def to_dict(self) -> dict[str, Any]:
        confirm = self.confirm

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "confirm": confirm,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        confirm = d.pop("confirm")

        confirm = cls(
            confirm=confirm,
        )

        return confirm
