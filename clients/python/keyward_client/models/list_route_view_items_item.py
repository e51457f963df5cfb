from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ListRouteViewItemsItem")


@_attrs_define
class ListRouteViewItemsItem:
    """
    Attributes:
        created_at (datetime.datetime):
        description (str):
        id (UUID):
        method (str): An upper-case HTTP method, or `*` for any.
        path (str): The path template: literal segments, `{name}` for one segment, a final `/*` for any rest.
        permissions (list[str]):
        updated_at (datetime.datetime):
        integration_id (None | Unset | UUID):
    """

    created_at: datetime.datetime
    description: str
    id: UUID
    method: str
    path: str
    permissions: list[str]
    updated_at: datetime.datetime
    integration_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        description = self.description

        id = str(self.id)

        method = self.method

        path = self.path

        permissions = self.permissions

        updated_at = self.updated_at.isoformat()

        integration_id: None | str | Unset
        if isinstance(self.integration_id, Unset):
            integration_id = UNSET
        elif isinstance(self.integration_id, UUID):
            integration_id = str(self.integration_id)
        else:
            integration_id = self.integration_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "id": id,
                "method": method,
                "path": path,
                "permissions": permissions,
                "updated_at": updated_at,
            }
        )
        if integration_id is not UNSET:
            field_dict["integration_id"] = integration_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        id = UUID(d.pop("id"))

        method = d.pop("method")

        path = d.pop("path")

        permissions = cast(list[str], d.pop("permissions"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_integration_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                integration_id_type_0 = UUID(data)

                return integration_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        integration_id = _parse_integration_id(d.pop("integration_id", UNSET))

        list_route_view_items_item = cls(
            created_at=created_at,
            description=description,
            id=id,
            method=method,
            path=path,
            permissions=permissions,
            updated_at=updated_at,
            integration_id=integration_id,
        )

        list_route_view_items_item.additional_properties = d
        return list_route_view_items_item

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
