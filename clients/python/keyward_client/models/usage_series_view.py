from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_hour_view import UsageHourView


T = TypeVar("T", bound="UsageSeriesView")


@_attrs_define
class UsageSeriesView:
    """
    Attributes:
        hours (list[UsageHourView]):
        scope (str): `token`, `api_user` or `organization`.
    """

    hours: list[UsageHourView]
    scope: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hours = []
        for hours_item_data in self.hours:
            hours_item = hours_item_data.to_dict()
            hours.append(hours_item)

        scope = self.scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hours": hours,
                "scope": scope,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_hour_view import UsageHourView  # noqa: PLC0415

        d = dict(src_dict)
        hours = []
        _hours = d.pop("hours")
        for hours_item_data in _hours:
            hours_item = UsageHourView.from_dict(hours_item_data)

            hours.append(hours_item)

        scope = d.pop("scope")

        usage_series_view = cls(
            hours=hours,
            scope=scope,
        )

        usage_series_view.additional_properties = d
        return usage_series_view

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
