from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_api_user_metadata import CreateApiUserMetadata
    from ..models.credits_spec import CreditsSpec
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="CreateApiUser")


@_attrs_define
class CreateApiUser:
    """
    Attributes:
        username (str):
        allowed_ips (list[str] | Unset): Addresses or CIDR ranges, IPv4 or IPv6; empty allows all.
        auth_method (None | str | Unset): `token` (default), `password` or `password_totp`. Example: token.
        contact_email (None | str | Unset):
        credits_ (CreditsSpec | None | Unset):
        description (str | Unset):
        environment (None | str | Unset):  Example: live.
        expires_at (datetime.datetime | None | Unset): A date, or `null` for no expiry. Omit both this and
            `expires_in_days` for the
            organization's default (`expiry_policy.default_days`; no expiry unless it set one).
        expires_in_days (int | None | Unset):
        external_id (None | str | Unset):
        integration_ids (list[UUID] | Unset):
        linked_member_id (None | Unset | UUID): An existing member whose group this API user takes, and to whom changes
            are attributed.
        metadata (CreateApiUserMetadata | Unset): Returned on every successful verify.
        name (None | str | Unset): Display name; defaults to the username.
        password (None | str | Unset): Optional password for API users that log in; never shown again.
        permission_group_id (None | Unset | UUID): The group whose permissions this API user's tokens can hold. Give
            this or
            `linked_member_id`.
        ratelimits (list[RateLimitSpec] | Unset): Limits shared by all of this API user's tokens together.
    """

    username: str
    allowed_ips: list[str] | Unset = UNSET
    auth_method: None | str | Unset = UNSET
    contact_email: None | str | Unset = UNSET
    credits_: CreditsSpec | None | Unset = UNSET
    description: str | Unset = UNSET
    environment: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    expires_in_days: int | None | Unset = UNSET
    external_id: None | str | Unset = UNSET
    integration_ids: list[UUID] | Unset = UNSET
    linked_member_id: None | Unset | UUID = UNSET
    metadata: CreateApiUserMetadata | Unset = UNSET
    name: None | str | Unset = UNSET
    password: None | str | Unset = UNSET
    permission_group_id: None | Unset | UUID = UNSET
    ratelimits: list[RateLimitSpec] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415

        username = self.username

        allowed_ips: list[str] | Unset = UNSET
        if not isinstance(self.allowed_ips, Unset):
            allowed_ips = self.allowed_ips

        auth_method: None | str | Unset
        if isinstance(self.auth_method, Unset):
            auth_method = UNSET
        else:
            auth_method = self.auth_method

        contact_email: None | str | Unset
        if isinstance(self.contact_email, Unset):
            contact_email = UNSET
        else:
            contact_email = self.contact_email

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsSpec):
            credits_ = self.credits_.to_dict()
        else:
            credits_ = self.credits_

        description = self.description

        environment: None | str | Unset
        if isinstance(self.environment, Unset):
            environment = UNSET
        else:
            environment = self.environment

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        expires_in_days: int | None | Unset
        if isinstance(self.expires_in_days, Unset):
            expires_in_days = UNSET
        else:
            expires_in_days = self.expires_in_days

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        integration_ids: list[str] | Unset = UNSET
        if not isinstance(self.integration_ids, Unset):
            integration_ids = []
            for integration_ids_item_data in self.integration_ids:
                integration_ids_item = str(integration_ids_item_data)
                integration_ids.append(integration_ids_item)

        linked_member_id: None | str | Unset
        if isinstance(self.linked_member_id, Unset):
            linked_member_id = UNSET
        elif isinstance(self.linked_member_id, UUID):
            linked_member_id = str(self.linked_member_id)
        else:
            linked_member_id = self.linked_member_id

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        permission_group_id: None | str | Unset
        if isinstance(self.permission_group_id, Unset):
            permission_group_id = UNSET
        elif isinstance(self.permission_group_id, UUID):
            permission_group_id = str(self.permission_group_id)
        else:
            permission_group_id = self.permission_group_id

        ratelimits: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ratelimits, Unset):
            ratelimits = []
            for ratelimits_item_data in self.ratelimits:
                ratelimits_item = ratelimits_item_data.to_dict()
                ratelimits.append(ratelimits_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username": username,
            }
        )
        if allowed_ips is not UNSET:
            field_dict["allowed_ips"] = allowed_ips
        if auth_method is not UNSET:
            field_dict["auth_method"] = auth_method
        if contact_email is not UNSET:
            field_dict["contact_email"] = contact_email
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if description is not UNSET:
            field_dict["description"] = description
        if environment is not UNSET:
            field_dict["environment"] = environment
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if expires_in_days is not UNSET:
            field_dict["expires_in_days"] = expires_in_days
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if integration_ids is not UNSET:
            field_dict["integration_ids"] = integration_ids
        if linked_member_id is not UNSET:
            field_dict["linked_member_id"] = linked_member_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if name is not UNSET:
            field_dict["name"] = name
        if password is not UNSET:
            field_dict["password"] = password
        if permission_group_id is not UNSET:
            field_dict["permission_group_id"] = permission_group_id
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_api_user_metadata import CreateApiUserMetadata  # noqa: PLC0415
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        username = d.pop("username")

        allowed_ips = cast(list[str], d.pop("allowed_ips", UNSET))

        def _parse_auth_method(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        auth_method = _parse_auth_method(d.pop("auth_method", UNSET))

        def _parse_contact_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        contact_email = _parse_contact_email(d.pop("contact_email", UNSET))

        def _parse_credits_(data: object) -> CreditsSpec | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsSpec.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsSpec | None | Unset, data)

        credits_ = _parse_credits_(d.pop("credits", UNSET))

        description = d.pop("description", UNSET)

        def _parse_environment(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        environment = _parse_environment(d.pop("environment", UNSET))

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

        def _parse_expires_in_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in_days = _parse_expires_in_days(d.pop("expires_in_days", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        _integration_ids = d.pop("integration_ids", UNSET)
        integration_ids: list[UUID] | Unset = UNSET
        if _integration_ids is not UNSET:
            integration_ids = []
            for integration_ids_item_data in _integration_ids:
                integration_ids_item = UUID(integration_ids_item_data)

                integration_ids.append(integration_ids_item)

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

        _metadata = d.pop("metadata", UNSET)
        metadata: CreateApiUserMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = CreateApiUserMetadata.from_dict(_metadata)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))

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

        _ratelimits = d.pop("ratelimits", UNSET)
        ratelimits: list[RateLimitSpec] | Unset = UNSET
        if _ratelimits is not UNSET:
            ratelimits = []
            for ratelimits_item_data in _ratelimits:
                ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

                ratelimits.append(ratelimits_item)

        create_api_user = cls(
            username=username,
            allowed_ips=allowed_ips,
            auth_method=auth_method,
            contact_email=contact_email,
            credits_=credits_,
            description=description,
            environment=environment,
            expires_at=expires_at,
            expires_in_days=expires_in_days,
            external_id=external_id,
            integration_ids=integration_ids,
            linked_member_id=linked_member_id,
            metadata=metadata,
            name=name,
            password=password,
            permission_group_id=permission_group_id,
            ratelimits=ratelimits,
        )

        return create_api_user
