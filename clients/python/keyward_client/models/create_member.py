from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateMember")


@_attrs_define
class CreateMember:
    """
    Attributes:
        email (str):
        name (str):
        password (str):
        role (str):  Example: admin.
        permission_group_id (None | Unset | UUID): The group an API user linked to this member inherits.
    """

    email: str
    name: str
    password: str
    role: str
    permission_group_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        name = self.name

        password = self.password

        role = self.role

        permission_group_id: None | str | Unset
        if isinstance(self.permission_group_id, Unset):
            permission_group_id = UNSET
        elif isinstance(self.permission_group_id, UUID):
            permission_group_id = str(self.permission_group_id)
        else:
            permission_group_id = self.permission_group_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "name": name,
                "password": password,
                "role": role,
            }
        )
        if permission_group_id is not UNSET:
            field_dict["permission_group_id"] = permission_group_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        name = d.pop("name")

        password = d.pop("password")

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

        create_member = cls(
            email=email,
            name=name,
            password=password,
            role=role,
            permission_group_id=permission_group_id,
        )

        return create_member
