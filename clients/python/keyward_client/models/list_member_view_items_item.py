from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ListMemberViewItemsItem")


@_attrs_define
class ListMemberViewItemsItem:
    """
    Attributes:
        created_at (datetime.datetime):
        email (str):
        id (UUID):
        name (str):
        role (str):  Example: super_admin.
        permission_group_id (None | Unset | UUID):
    """

    created_at: datetime.datetime
    email: str
    id: UUID
    name: str
    role: str
    permission_group_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        email = self.email

        id = str(self.id)

        name = self.name

        role = self.role

        permission_group_id: None | str | Unset
        if isinstance(self.permission_group_id, Unset):
            permission_group_id = UNSET
        elif isinstance(self.permission_group_id, UUID):
            permission_group_id = str(self.permission_group_id)
        else:
            permission_group_id = self.permission_group_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "id": id,
                "name": name,
                "role": role,
            }
        )
        if permission_group_id is not UNSET:
            field_dict["permission_group_id"] = permission_group_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        role = d.pop("role")

        def _parse_permission_group_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                permission_group_id_type_0 = UUID(data)

                return permission_group_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        permission_group_id = _parse_permission_group_id(d.pop("permission_group_id", UNSET))

        list_member_view_items_item = cls(
            created_at=created_at,
            email=email,
            id=id,
            name=name,
            role=role,
            permission_group_id=permission_group_id,
        )

        list_member_view_items_item.additional_properties = d
        return list_member_view_items_item

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
