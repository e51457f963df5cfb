from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_hour_view_by_code import UsageHourViewByCode


T = TypeVar("T", bound="UsageHourView")


@_attrs_define
class UsageHourView:
    """
    Attributes:
        allowed (int): Verifications that answered VALID.
        by_code (UsageHourViewByCode): Counts by result code, such as `{"VALID": 12, "IP_NOT_ALLOWED": 1}`.
        denied (int): Verifications refused, whatever the reason.
        distinct_ips (int): Distinct source IPs seen in the hour.
        hour (datetime.datetime):
    """

    allowed: int
    by_code: UsageHourViewByCode
    denied: int
    distinct_ips: int
    hour: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed = self.allowed

        by_code = self.by_code.to_dict()

        denied = self.denied

        distinct_ips = self.distinct_ips

        hour = self.hour.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed": allowed,
                "by_code": by_code,
                "denied": denied,
                "distinct_ips": distinct_ips,
                "hour": hour,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_hour_view_by_code import UsageHourViewByCode  # noqa: PLC0415

        d = dict(src_dict)
        allowed = d.pop("allowed")

        by_code = UsageHourViewByCode.from_dict(d.pop("by_code"))

        denied = d.pop("denied")

        distinct_ips = d.pop("distinct_ips")

        hour = datetime.datetime.fromisoformat(d.pop("hour"))

        usage_hour_view = cls(
            allowed=allowed,
            by_code=by_code,
            denied=denied,
            distinct_ips=distinct_ips,
            hour=hour,
        )

        usage_hour_view.additional_properties = d
        return usage_hour_view

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
