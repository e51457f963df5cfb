from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AdjustCredits")


@_attrs_define
class AdjustCredits:
    """A top-up: exactly one of `add` and `set`.

    Attributes:
        add (int | None | Unset): Credits to add to what remains.
        set_ (int | None | Unset): What remains from now on (what nodes hold of the old balance is void).
    """

    add: int | None | Unset = UNSET
    set_: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        add: int | None | Unset
        if isinstance(self.add, Unset):
            add = UNSET
        else:
            add = self.add

        set_: int | None | Unset
        if isinstance(self.set_, Unset):
            set_ = UNSET
        else:
            set_ = self.set_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if add is not UNSET:
            field_dict["add"] = add
        if set_ is not UNSET:
            field_dict["set"] = set_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_add(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        add = _parse_add(d.pop("add", UNSET))

        def _parse_set_(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        set_ = _parse_set_(d.pop("set", UNSET))

        adjust_credits = cls(
            add=add,
            set_=set_,
        )

        return adjust_credits
