from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VerifyRequest")


@_attrs_define
class VerifyRequest:
    """The request, as documented. (The handler parses [`VerifyBody`], its borrowing twin.)

    Attributes:
        token (str): The token the platform's caller presented.
        cost (int | None | Unset): Credits this call spends (default 1; 0 checks without spending).
        integration (None | str | Unset): The integration (id or name) the call goes through.
        ip (None | str | Unset): The address the call came from; required for tokens with IP restrictions.
        permissions (list[str] | Unset): Permissions the call needs; all must be granted.
    """

    token: str
    cost: int | None | Unset = UNSET
    integration: None | str | Unset = UNSET
    ip: None | str | Unset = UNSET
    permissions: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        cost: int | None | Unset
        if isinstance(self.cost, Unset):
            cost = UNSET
        else:
            cost = self.cost

        integration: None | str | Unset
        if isinstance(self.integration, Unset):
            integration = UNSET
        else:
            integration = self.integration

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        permissions: list[str] | Unset = UNSET
        if not isinstance(self.permissions, Unset):
            permissions = self.permissions

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "token": token,
            }
        )
        if cost is not UNSET:
            field_dict["cost"] = cost
        if integration is not UNSET:
            field_dict["integration"] = integration
        if ip is not UNSET:
            field_dict["ip"] = ip
        if permissions is not UNSET:
            field_dict["permissions"] = permissions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token = d.pop("token")

        def _parse_cost(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cost = _parse_cost(d.pop("cost", UNSET))

        def _parse_integration(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        integration = _parse_integration(d.pop("integration", UNSET))

        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))

        permissions = cast(list[str], d.pop("permissions", UNSET))

        verify_request = cls(
            token=token,
            cost=cost,
            integration=integration,
            ip=ip,
            permissions=permissions,
        )

        return verify_request
