from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.api_user_view_metadata import ApiUserViewMetadata
    from ..models.credits_view import CreditsView
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="ApiUserView")


@_attrs_define
class ApiUserView:
    """
    Attributes:
        allowed_ips (list[str]):
        auth_method (str): `token` (static tokens only), `password` (may also log in at `/oauth2/token`) or
            `password_totp`.
        created_at (datetime.datetime):
        description (str):
        environment (str): `live` or `sandbox`; sandbox tokens start `kw_test_`.
        expiry_status (str): `never`, `active`, `expiring_soon` or `expired`.
        has_password (bool):
        id (UUID):
        integration_ids (list[UUID]): Integrations this API user is restricted to; empty means any.
        metadata (ApiUserViewMetadata):
        name (str):
        ratelimits (list[RateLimitSpec]): Limits shared by all of its tokens.
        status (str): `active` or `suspended`.
        updated_at (datetime.datetime):
        username (str):
        contact_email (None | str | Unset):
        credits_ (CreditsView | None | Unset):
        expires_at (datetime.datetime | None | Unset):
        external_id (None | str | Unset):
        linked_member_id (None | Unset | UUID):
        permission_group_id (None | Unset | UUID):
        token_count (int | None | Unset): Tokens that are not revoked (in lists).
    """

    allowed_ips: list[str]
    auth_method: str
    created_at: datetime.datetime
    description: str
    environment: str
    expiry_status: str
    has_password: bool
    id: UUID
    integration_ids: list[UUID]
    metadata: ApiUserViewMetadata
    name: str
    ratelimits: list[RateLimitSpec]
    status: str
    updated_at: datetime.datetime
    username: str
    contact_email: None | str | Unset = UNSET
    credits_: CreditsView | None | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    external_id: None | str | Unset = UNSET
    linked_member_id: None | Unset | UUID = UNSET
    permission_group_id: None | Unset | UUID = UNSET
    token_count: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_view import CreditsView  # noqa: PLC0415

        allowed_ips = self.allowed_ips

        auth_method = self.auth_method

        created_at = self.created_at.isoformat()

        description = self.description

        environment = self.environment

        expiry_status = self.expiry_status

        has_password = self.has_password

        id = str(self.id)

        integration_ids = []
        for integration_ids_item_data in self.integration_ids:
            integration_ids_item = str(integration_ids_item_data)
            integration_ids.append(integration_ids_item)

        metadata = self.metadata.to_dict()

        name = self.name

        ratelimits = []
        for ratelimits_item_data in self.ratelimits:
            ratelimits_item = ratelimits_item_data.to_dict()
            ratelimits.append(ratelimits_item)

        status = self.status

        updated_at = self.updated_at.isoformat()

        username = self.username

        contact_email: None | str | Unset
        if isinstance(self.contact_email, Unset):
            contact_email = UNSET
        else:
            contact_email = self.contact_email

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsView):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        linked_member_id: None | str | Unset
        if isinstance(self.linked_member_id, Unset):
            linked_member_id = UNSET
        elif isinstance(self.linked_member_id, UUID):
            linked_member_id = str(self.linked_member_id)
        else:
            linked_member_id = self.linked_member_id

        permission_group_id: None | str | Unset
        if isinstance(self.permission_group_id, Unset):
            permission_group_id = UNSET
        elif isinstance(self.permission_group_id, UUID):
            permission_group_id = str(self.permission_group_id)
        else:
            permission_group_id = self.permission_group_id

        token_count: int | None | Unset
        if isinstance(self.token_count, Unset):
            token_count = UNSET
        else:
            token_count = self.token_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_ips": allowed_ips,
                "auth_method": auth_method,
                "created_at": created_at,
                "description": description,
                "environment": environment,
                "expiry_status": expiry_status,
                "has_password": has_password,
                "id": id,
                "integration_ids": integration_ids,
                "metadata": metadata,
                "name": name,
                "ratelimits": ratelimits,
                "status": status,
                "updated_at": updated_at,
                "username": username,
            }
        )
        if contact_email is not UNSET:
            field_dict["contact_email"] = contact_email
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if linked_member_id is not UNSET:
            field_dict["linked_member_id"] = linked_member_id
        if permission_group_id is not UNSET:
            field_dict["permission_group_id"] = permission_group_id
        if token_count is not UNSET:
            field_dict["token_count"] = token_count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_user_view_metadata import ApiUserViewMetadata  # noqa: PLC0415
        from ..models.credits_view import CreditsView  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        allowed_ips = cast(list[str], d.pop("allowed_ips"))

        auth_method = d.pop("auth_method")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        environment = d.pop("environment")

        expiry_status = d.pop("expiry_status")

        has_password = d.pop("has_password")

        id = UUID(d.pop("id"))

        integration_ids = []
        _integration_ids = d.pop("integration_ids")
        for integration_ids_item_data in _integration_ids:
            integration_ids_item = UUID(integration_ids_item_data)

            integration_ids.append(integration_ids_item)

        metadata = ApiUserViewMetadata.from_dict(d.pop("metadata"))

        name = d.pop("name")

        ratelimits = []
        _ratelimits = d.pop("ratelimits")
        for ratelimits_item_data in _ratelimits:
            ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

            ratelimits.append(ratelimits_item)

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        username = d.pop("username")

        def _parse_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        contact_email = _parse_contact_email(d.pop("contact_email", UNSET))

        def _parse_credits_(data: object) -> CreditsView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsView.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsView | None | Unset, data)

        credits_ = _parse_credits_(d.pop("credits", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_linked_member_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                linked_member_id_type_0 = UUID(data)

                return linked_member_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        linked_member_id = _parse_linked_member_id(d.pop("linked_member_id", UNSET))

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

        def _parse_token_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        token_count = _parse_token_count(d.pop("token_count", UNSET))

        api_user_view = cls(
            allowed_ips=allowed_ips,
            auth_method=auth_method,
            created_at=created_at,
            description=description,
            environment=environment,
            expiry_status=expiry_status,
            has_password=has_password,
            id=id,
            integration_ids=integration_ids,
            metadata=metadata,
            name=name,
            ratelimits=ratelimits,
            status=status,
            updated_at=updated_at,
            username=username,
            contact_email=contact_email,
            credits_=credits_,
            expires_at=expires_at,
            external_id=external_id,
            linked_member_id=linked_member_id,
            permission_group_id=permission_group_id,
            token_count=token_count,
        )

        api_user_view.additional_properties = d
        return api_user_view

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
