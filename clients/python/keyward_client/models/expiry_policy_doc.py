from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExpiryPolicyDoc")


@_attrs_define
class ExpiryPolicyDoc:
    """The longest lifetime a token may be given, and whether it may have none.

    Attributes:
        allow_no_expiry (bool):
        default_days (int | None | Unset): Days a new token or API user lives when its creator chooses no expiry (the
            API, the CLI
            and the dashboard's first choice alike); `null`: no expiry. At most `max_lifetime_days`.
        max_lifetime_days (int | None | Unset): Days; `null` for no limit.
    """

    allow_no_expiry: bool
    default_days: int | None | Unset = UNSET
    max_lifetime_days: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allow_no_expiry = self.allow_no_expiry

        default_days: int | None | Unset
        if isinstance(self.default_days, Unset):
            default_days = UNSET
        else:
            default_days = self.default_days

        max_lifetime_days: int | None | Unset
        if isinstance(self.max_lifetime_days, Unset):
            max_lifetime_days = UNSET
        else:
            max_lifetime_days = self.max_lifetime_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allow_no_expiry": allow_no_expiry,
            }
        )
        if default_days is not UNSET:
            field_dict["default_days"] = default_days
        if max_lifetime_days is not UNSET:
            field_dict["max_lifetime_days"] = max_lifetime_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        allow_no_expiry = d.pop("allow_no_expiry")

        def _parse_default_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        default_days = _parse_default_days(d.pop("default_days", UNSET))

        def _parse_max_lifetime_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_lifetime_days = _parse_max_lifetime_days(d.pop("max_lifetime_days", UNSET))

        expiry_policy_doc = cls(
            allow_no_expiry=allow_no_expiry,
            default_days=default_days,
            max_lifetime_days=max_lifetime_days,
        )

        expiry_policy_doc.additional_properties = d
        return expiry_policy_doc

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
