from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefillView")


@_attrs_define
class RefillView:
    """When a balance comes back: it becomes `amount` (it does not accumulate).

    Attributes:
        amount (int):  Example: 1000.
        interval (str): `daily` (00:00 UTC), `monthly` (on `day`, 00:00 UTC) or `<n>ms` (every n milliseconds
            from when the credits were set, 1000 ms to one year). Example: monthly.
        day (int | None | Unset): For `monthly`: 1 to 31 (the month's last day in shorter months); default 1.
    """

    amount: int
    interval: str
    day: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        interval = self.interval

        day: int | None | Unset
        if isinstance(self.day, Unset):
            day = UNSET
        else:
            day = self.day

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "interval": interval,
            }
        )
        if day is not UNSET:
            field_dict["day"] = day

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        interval = d.pop("interval")

        def _parse_day(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        day = _parse_day(d.pop("day", UNSET))

        refill_view = cls(
            amount=amount,
            interval=interval,
            day=day,
        )

        return refill_view
