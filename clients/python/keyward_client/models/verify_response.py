from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verify_code_view import VerifyCodeView
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_state import CreditsState
    from ..models.rate_limit_state import RateLimitState
    from ..models.verified_api_user import VerifiedApiUser
    from ..models.verify_response_metadata_type_0 import VerifyResponseMetadataType0


T = TypeVar("T", bound="VerifyResponse")


@_attrs_define
class VerifyResponse:
    """The answer. `valid` is true only with `code` = `VALID`; then the other fields describe who
    is calling.

        Attributes:
            code (VerifyCodeView): A verify code, in the order they are checked.
            message (str): A sentence for people, matching `code`.
            valid (bool):
            api_user (None | Unset | VerifiedApiUser):
            credits_ (CreditsState | None | Unset):
            expires_at (datetime.datetime | None | Unset): Present (and `null` for no expiry) on VALID answers only.
            metadata (None | Unset | VerifyResponseMetadataType0): The token's own metadata, on VALID answers (the API
                user's is under `api_user`).
            organization_id (None | Unset | UUID):
            permissions (list[str] | None | Unset): The token's effective permissions: its own ∩ its API user's group.
            ratelimits (list[RateLimitState] | None | Unset): The rate limits this verification counted against, whenever
                any apply (on refusals
                too).
            token_id (None | Unset | UUID):
    """

    code: VerifyCodeView
    message: str
    valid: bool
    api_user: None | Unset | VerifiedApiUser = UNSET
    credits_: CreditsState | None | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    metadata: None | Unset | VerifyResponseMetadataType0 = UNSET
    organization_id: None | Unset | UUID = UNSET
    permissions: list[str] | None | Unset = UNSET
    ratelimits: list[RateLimitState] | None | Unset = UNSET
    token_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_state import CreditsState  # noqa: PLC0415
        from ..models.verified_api_user import VerifiedApiUser  # noqa: PLC0415
        from ..models.verify_response_metadata_type_0 import VerifyResponseMetadataType0  # noqa: PLC0415

        code = self.code.value

        message = self.message

        valid = self.valid

        api_user: dict[str, Any] | None | Unset
        if isinstance(self.api_user, Unset):
            api_user = UNSET
        elif isinstance(self.api_user, VerifiedApiUser):
            api_user = self.api_user.to_dict()
        else:
            api_user = self.api_user

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsState):
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

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, VerifyResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        organization_id: None | str | Unset
        if isinstance(self.organization_id, Unset):
            organization_id = UNSET
        elif isinstance(self.organization_id, UUID):
            organization_id = str(self.organization_id)
        else:
            organization_id = self.organization_id

        permissions: list[str] | None | Unset
        if isinstance(self.permissions, Unset):
            permissions = UNSET
        elif isinstance(self.permissions, list):
            permissions = self.permissions

        else:
            permissions = self.permissions

        ratelimits: list[dict[str, Any]] | None | Unset
        if isinstance(self.ratelimits, Unset):
            ratelimits = UNSET
        elif isinstance(self.ratelimits, list):
            ratelimits = []
            for ratelimits_type_0_item_data in self.ratelimits:
                ratelimits_type_0_item = ratelimits_type_0_item_data.to_dict()
                ratelimits.append(ratelimits_type_0_item)

        else:
            ratelimits = self.ratelimits

        token_id: None | str | Unset
        if isinstance(self.token_id, Unset):
            token_id = UNSET
        elif isinstance(self.token_id, UUID):
            token_id = str(self.token_id)
        else:
            token_id = self.token_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "valid": valid,
            }
        )
        if api_user is not UNSET:
            field_dict["api_user"] = api_user
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if organization_id is not UNSET:
            field_dict["organization_id"] = organization_id
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits
        if token_id is not UNSET:
            field_dict["token_id"] = token_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_state import CreditsState  # noqa: PLC0415
        from ..models.rate_limit_state import RateLimitState  # noqa: PLC0415
        from ..models.verified_api_user import VerifiedApiUser  # noqa: PLC0415
        from ..models.verify_response_metadata_type_0 import VerifyResponseMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        code = VerifyCodeView(d.pop("code"))

        message = d.pop("message")

        valid = d.pop("valid")

        def _parse_api_user(data: object) -> None | Unset | VerifiedApiUser:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                api_user_type_0 = VerifiedApiUser.from_dict(data)

                return api_user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerifiedApiUser, data)

        api_user = _parse_api_user(d.pop("api_user", UNSET))

        def _parse_credits_(data: object) -> CreditsState | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credits_type_0 = CreditsState.from_dict(data)

                return credits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreditsState | None | Unset, data)

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

        def _parse_metadata(data: object) -> None | Unset | VerifyResponseMetadataType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = VerifyResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerifyResponseMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_organization_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                organization_id_type_0 = UUID(data)

                return organization_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        organization_id = _parse_organization_id(d.pop("organization_id", UNSET))

        def _parse_permissions(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                permissions_type_0 = cast(list[str], data)

                return permissions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        permissions = _parse_permissions(d.pop("permissions", UNSET))

        def _parse_ratelimits(data: object) -> list[RateLimitState] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ratelimits_type_0 = []
                _ratelimits_type_0 = data
                for ratelimits_type_0_item_data in _ratelimits_type_0:
                    ratelimits_type_0_item = RateLimitState.from_dict(ratelimits_type_0_item_data)

                    ratelimits_type_0.append(ratelimits_type_0_item)

                return ratelimits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[RateLimitState] | None | Unset, data)

        ratelimits = _parse_ratelimits(d.pop("ratelimits", UNSET))

        def _parse_token_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                token_id_type_0 = UUID(data)

                return token_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        token_id = _parse_token_id(d.pop("token_id", UNSET))

        verify_response = cls(
            code=code,
            message=message,
            valid=valid,
            api_user=api_user,
            credits_=credits_,
            expires_at=expires_at,
            metadata=metadata,
            organization_id=organization_id,
            permissions=permissions,
            ratelimits=ratelimits,
            token_id=token_id,
        )

        verify_response.additional_properties = d
        return verify_response

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
