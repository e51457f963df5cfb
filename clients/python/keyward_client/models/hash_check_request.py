from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="HashCheckRequest")


@_attrs_define
class HashCheckRequest:
    """The SHA-256 of strings to look up (lowercase hex).

    Attributes:
        token_hashes (list[str]):
    """

    token_hashes: list[str]

    def to_dict(self) -> dict[str, Any]:
        token_hashes = self.token_hashes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "token_hashes": token_hashes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token_hashes = cast(list[str], d.pop("token_hashes"))

        hash_check_request = cls(
            token_hashes=token_hashes,
        )

        return hash_check_request
