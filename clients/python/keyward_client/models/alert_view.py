from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AlertView")


@_attrs_define
class AlertView:
    """
    Attributes:
        details (Any):
        kind (str): `new_network`, `denied_burst`, `spike`, `never_used` or `unused`.
        raised_at (datetime.datetime):
        token_id (UUID):
        window (str): What makes the alert unique: the hour, the network, the last use.
    """

    details: Any
    kind: str
    raised_at: datetime.datetime
    token_id: UUID
    window: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        details = self.details

        kind = self.kind

        raised_at = self.raised_at.isoformat()

        token_id = str(self.token_id)

        window = self.window

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "details": details,
                "kind": kind,
                "raised_at": raised_at,
                "token_id": token_id,
                "window": window,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        details = d.pop("details")

        kind = d.pop("kind")

        raised_at = datetime.datetime.fromisoformat(d.pop("raised_at"))

        token_id = UUID(d.pop("token_id"))

        window = d.pop("window")

        alert_view = cls(
            details=details,
            kind=kind,
            raised_at=raised_at,
            token_id=token_id,
            window=window,
        )

        alert_view.additional_properties = d
        return alert_view

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
