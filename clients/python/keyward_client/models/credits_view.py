from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.refill_view import RefillView


T = TypeVar("T", bound="CreditsView")


@_attrs_define
class CreditsView:
    """A balance as it stands.

    Attributes:
        last_refill_at (datetime.datetime):
        remaining (int): Not yet spent (what nodes hold counts until they report it spent, within a second).
        next_refill_at (datetime.datetime | None | Unset):
        refill (None | RefillView | Unset):
    """

    last_refill_at: datetime.datetime
    remaining: int
    next_refill_at: datetime.datetime | None | Unset = UNSET
    refill: None | RefillView | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.refill_view import RefillView  # noqa: PLC0415

        last_refill_at = self.last_refill_at.isoformat()

        remaining = self.remaining

        next_refill_at: None | str | Unset
        if isinstance(self.next_refill_at, Unset):
            next_refill_at = UNSET
        elif isinstance(self.next_refill_at, datetime.datetime):
            next_refill_at = self.next_refill_at.isoformat()
        else:
            next_refill_at = self.next_refill_at

        refill: dict[str, Any] | None | Unset
        if isinstance(self.refill, Unset):
            refill = UNSET
        elif isinstance(self.refill, RefillView):
            refill = self.refill.to_dict()
        else:
            refill = self.refill

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "last_refill_at": last_refill_at,
                "remaining": remaining,
            }
        )
        if next_refill_at is not UNSET:
            field_dict["next_refill_at"] = next_refill_at
        if refill is not UNSET:
            field_dict["refill"] = refill

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.refill_view import RefillView  # noqa: PLC0415

        d = dict(src_dict)
        last_refill_at = datetime.datetime.fromisoformat(d.pop("last_refill_at"))

        remaining = d.pop("remaining")

        def _parse_next_refill_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_refill_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_refill_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_refill_at = _parse_next_refill_at(d.pop("next_refill_at", UNSET))

        def _parse_refill(data: object) -> None | RefillView | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refill_type_0 = RefillView.from_dict(data)

                return refill_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefillView | Unset, data)

        refill = _parse_refill(d.pop("refill", UNSET))

        credits_view = cls(
            last_refill_at=last_refill_at,
            remaining=remaining,
            next_refill_at=next_refill_at,
            refill=refill,
        )

        credits_view.additional_properties = d
        return credits_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
