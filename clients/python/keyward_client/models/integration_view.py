from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="IntegrationView")


@_attrs_define
class IntegrationView:
    """
    Attributes:
        allowed_ips (list[str]):
        created_at (datetime.datetime):
        id (UUID):
        name (str):
        status (str): `active` or `inactive`; an inactive integration stops the tokens bound to it.
        type_ (str):
        updated_at (datetime.datetime):
        public_url (None | str | Unset):
    """

    allowed_ips: list[str]
    created_at: datetime.datetime
    id: UUID
    name: str
    status: str
    type_: str
    updated_at: datetime.datetime
    public_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed_ips = self.allowed_ips

        created_at = self.created_at.isoformat()

        id = str(self.id)

        name = self.name

        status = self.status

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        public_url: None | str | Unset
        if isinstance(self.public_url, Unset):
            public_url = UNSET
        else:
            public_url = self.public_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_ips": allowed_ips,
                "created_at": created_at,
                "id": id,
                "name": name,
                "status": status,
                "type": type_,
                "updated_at": updated_at,
            }
        )
        if public_url is not UNSET:
            field_dict["public_url"] = public_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        allowed_ips = cast(list[str], d.pop("allowed_ips"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        status = d.pop("status")

        type_ = d.pop("type")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_public_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        public_url = _parse_public_url(d.pop("public_url", UNSET))

        integration_view = cls(
            allowed_ips=allowed_ips,
            created_at=created_at,
            id=id,
            name=name,
            status=status,
            type_=type_,
            updated_at=updated_at,
            public_url=public_url,
        )

        integration_view.additional_properties = d
        return integration_view

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
