from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_spec import CreditsSpec
    from ..models.rate_limit_spec import RateLimitSpec
    from ..models.update_token_metadata_type_0 import UpdateTokenMetadataType0


T = TypeVar("T", bound="UpdateToken")


@_attrs_define
class UpdateToken:
    """
    Attributes:
        allowed_ips (list[str] | None | Unset):
        credits_ (CreditsSpec | None | Unset):
        expires_at (datetime.datetime | None | Unset): A new date, or `null` for no expiry.
        expires_in_days (int | None | Unset):
        metadata (None | Unset | UpdateTokenMetadataType0): New metadata, replacing the old.
        name (None | str | Unset):
        permissions (list[str] | None | Unset): New permissions, or `null` for all of the group's.
        ratelimits (list[RateLimitSpec] | None | Unset): New limits, replacing the old (`[]`: the organization's
            default).
    """

    allowed_ips: list[str] | None | Unset = UNSET
    credits_: CreditsSpec | None | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    expires_in_days: int | None | Unset = UNSET
    metadata: None | Unset | UpdateTokenMetadataType0 = UNSET
    name: None | str | Unset = UNSET
    permissions: list[str] | None | Unset = UNSET
    ratelimits: list[RateLimitSpec] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415
        from ..models.update_token_metadata_type_0 import UpdateTokenMetadataType0  # noqa: PLC0415

        allowed_ips: list[str] | None | Unset
        if isinstance(self.allowed_ips, Unset):
            allowed_ips = UNSET
        elif isinstance(self.allowed_ips, list):
            allowed_ips = self.allowed_ips

        else:
            allowed_ips = self.allowed_ips

        credits_: dict[str, Any] | None | Unset
        if isinstance(self.credits_, Unset):
            credits_ = UNSET
        elif isinstance(self.credits_, CreditsSpec):
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

        expires_in_days: int | None | Unset
        if isinstance(self.expires_in_days, Unset):
            expires_in_days = UNSET
        else:
            expires_in_days = self.expires_in_days

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, UpdateTokenMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

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

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if allowed_ips is not UNSET:
            field_dict["allowed_ips"] = allowed_ips
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if expires_in_days is not UNSET:
            field_dict["expires_in_days"] = expires_in_days
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if name is not UNSET:
            field_dict["name"] = name
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if ratelimits is not UNSET:
            field_dict["ratelimits"] = ratelimits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_spec import CreditsSpec  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415
        from ..models.update_token_metadata_type_0 import UpdateTokenMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_allowed_ips(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_ips_type_0 = cast(list[str], data)

                return allowed_ips_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_ips = _parse_allowed_ips(d.pop("allowed_ips", UNSET))

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

        def _parse_metadata(data: object) -> None | Unset | UpdateTokenMetadataType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = UpdateTokenMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateTokenMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

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

        def _parse_ratelimits(data: object) -> list[RateLimitSpec] | None | Unset:
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
                    ratelimits_type_0_item = RateLimitSpec.from_dict(ratelimits_type_0_item_data)

                    ratelimits_type_0.append(ratelimits_type_0_item)

                return ratelimits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[RateLimitSpec] | None | Unset, data)

        ratelimits = _parse_ratelimits(d.pop("ratelimits", UNSET))

        update_token = cls(
            allowed_ips=allowed_ips,
            credits_=credits_,
            expires_at=expires_at,
            expires_in_days=expires_in_days,
            metadata=metadata,
            name=name,
            permissions=permissions,
            ratelimits=ratelimits,
        )

        return update_token
