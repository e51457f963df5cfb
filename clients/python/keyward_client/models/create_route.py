from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateRoute")


@_attrs_define
class CreateRoute:
    """
    Attributes:
        method (str): An HTTP method (`GET`, `POST`, …, any case) or `*` for any. Example: GET.
        path (str): A template: literal segments, `{name}` for one segment, a final `/*` for any rest. Example:
            /contacts/{id}.
        description (str | Unset):
        integration_id (None | Unset | UUID): Requests on this route go through this integration (its status and
            addresses apply).
        permissions (list[str] | Unset): Permissions a token needs for this route; all of them.
    """

    method: str
    path: str
    description: str | Unset = UNSET
    integration_id: None | Unset | UUID = UNSET
    permissions: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        method = self.method

        path = self.path

        description = self.description

        integration_id: None | str | Unset
        if isinstance(self.integration_id, Unset):
            integration_id = UNSET
        elif isinstance(self.integration_id, UUID):
            integration_id = str(self.integration_id)
        else:
            integration_id = self.integration_id

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "method": method,
                "path": path,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if integration_id is not UNSET:
            field_dict["integration_id"] = integration_id
        if permissions is not UNSET:
            field_dict["permissions"] = permissions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        method = d.pop("method")

        path = d.pop("path")

        description = d.pop("description", UNSET)

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

        permissions = cast(list[str], d.pop("permissions", UNSET))

        create_route = cls(
            method=method,
            path=path,
            description=description,
            integration_id=integration_id,
            permissions=permissions,
        )

        return create_route
