from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.credits_view import CreditsView
    from ..models.list_token_view_items_item_metadata import ListTokenViewItemsItemMetadata
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="ListTokenViewItemsItem")


@_attrs_define
class ListTokenViewItemsItem:
    """
    Attributes:
        allowed_ips (list[str]):
        api_user_id (UUID):
        created_at (datetime.datetime):
        expiry_status (str): `never`, `active`, `expiring_soon` (within 30 days) or `expired`.
        hint (str): Enough to recognise the token, never enough to use it: `kw_live_…a1B2`.
        id (UUID):
        metadata (ListTokenViewItemsItemMetadata): Returned with every VALID answer for this token.
        name (str):
        ratelimits (list[RateLimitSpec]): The token's own limits; empty: the organization's `default_ratelimits` apply.
        status (str): `active`, `suspended` or `revoked`.
        use_count (int):
        created_by (None | str | Unset):
        credits_ (CreditsView | None | Unset):
        expires_at (datetime.datetime | None | Unset):
        imported_at (datetime.datetime | None | Unset): When it was imported; `created_at` is what the old system
            recorded.
        imported_from (None | str | Unset): Set on a token moved in from another system: the import's source (such as
            `legacy-db`).
            Rotating it gives a keyward-format successor.
        integration_id (None | Unset | UUID):
        last_used_at (datetime.datetime | None | Unset):
        last_used_ip (None | str | Unset):
        permissions (list[str] | None | Unset): The token's own permissions; `null` means all of its API user's group.
        replaced_by (None | Unset | UUID): Set once the token has been rotated: the new token. This one ends with its
            grace period.
        revoked_at (datetime.datetime | None | Unset):
        rotated_from (None | Unset | UUID):
    """

    allowed_ips: list[str]
    api_user_id: UUID
    created_at: datetime.datetime
    expiry_status: str
    hint: str
    id: UUID
    metadata: ListTokenViewItemsItemMetadata
    name: str
    ratelimits: list[RateLimitSpec]
    status: str
    use_count: int
    created_by: None | str | Unset = UNSET
    credits_: CreditsView | None | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    imported_at: datetime.datetime | None | Unset = UNSET
    imported_from: None | str | Unset = UNSET
    integration_id: None | Unset | UUID = UNSET
    last_used_at: datetime.datetime | None | Unset = UNSET
    last_used_ip: None | str | Unset = UNSET
    permissions: list[str] | None | Unset = UNSET
    replaced_by: None | Unset | UUID = UNSET
    revoked_at: datetime.datetime | None | Unset = UNSET
    rotated_from: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.credits_view import CreditsView  # noqa: PLC0415

        allowed_ips = self.allowed_ips

        api_user_id = str(self.api_user_id)

        created_at = self.created_at.isoformat()

        expiry_status = self.expiry_status

        hint = self.hint

        id = str(self.id)

        metadata = self.metadata.to_dict()

        name = self.name

        ratelimits = []
        for ratelimits_item_data in self.ratelimits:
            ratelimits_item = ratelimits_item_data.to_dict()
            ratelimits.append(ratelimits_item)

        status = self.status

        use_count = self.use_count

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

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

        imported_at: None | str | Unset
        if isinstance(self.imported_at, Unset):
            imported_at = UNSET
        elif isinstance(self.imported_at, datetime.datetime):
            imported_at = self.imported_at.isoformat()
        else:
            imported_at = self.imported_at

        imported_from: None | str | Unset
        if isinstance(self.imported_from, Unset):
            imported_from = UNSET
        else:
            imported_from = self.imported_from

        integration_id: None | str | Unset
        if isinstance(self.integration_id, Unset):
            integration_id = UNSET
        elif isinstance(self.integration_id, UUID):
            integration_id = str(self.integration_id)
        else:
            integration_id = self.integration_id

        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        elif isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        last_used_ip: None | str | Unset
        if isinstance(self.last_used_ip, Unset):
            last_used_ip = UNSET
        else:
            last_used_ip = self.last_used_ip

        permissions: list[str] | None | Unset
        if isinstance(self.permissions, Unset):
            permissions = UNSET
        elif isinstance(self.permissions, list):
            permissions = self.permissions

        else:
            permissions = self.permissions

        replaced_by: None | str | Unset
        if isinstance(self.replaced_by, Unset):
            replaced_by = UNSET
        elif isinstance(self.replaced_by, UUID):
            replaced_by = str(self.replaced_by)
        else:
            replaced_by = self.replaced_by

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        elif isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        rotated_from: None | str | Unset
        if isinstance(self.rotated_from, Unset):
            rotated_from = UNSET
        elif isinstance(self.rotated_from, UUID):
            rotated_from = str(self.rotated_from)
        else:
            rotated_from = self.rotated_from

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_ips": allowed_ips,
                "api_user_id": api_user_id,
                "created_at": created_at,
                "expiry_status": expiry_status,
                "hint": hint,
                "id": id,
                "metadata": metadata,
                "name": name,
                "ratelimits": ratelimits,
                "status": status,
                "use_count": use_count,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if credits_ is not UNSET:
            field_dict["credits"] = credits_
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if imported_at is not UNSET:
            field_dict["imported_at"] = imported_at
        if imported_from is not UNSET:
            field_dict["imported_from"] = imported_from
        if integration_id is not UNSET:
            field_dict["integration_id"] = integration_id
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at
        if last_used_ip is not UNSET:
            field_dict["last_used_ip"] = last_used_ip
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if replaced_by is not UNSET:
            field_dict["replaced_by"] = replaced_by
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if rotated_from is not UNSET:
            field_dict["rotated_from"] = rotated_from

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credits_view import CreditsView  # noqa: PLC0415
        from ..models.list_token_view_items_item_metadata import ListTokenViewItemsItemMetadata  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        allowed_ips = cast(list[str], d.pop("allowed_ips"))

        api_user_id = UUID(d.pop("api_user_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expiry_status = d.pop("expiry_status")

        hint = d.pop("hint")

        id = UUID(d.pop("id"))

        metadata = ListTokenViewItemsItemMetadata.from_dict(d.pop("metadata"))

        name = d.pop("name")

        ratelimits = []
        _ratelimits = d.pop("ratelimits")
        for ratelimits_item_data in _ratelimits:
            ratelimits_item = RateLimitSpec.from_dict(ratelimits_item_data)

            ratelimits.append(ratelimits_item)

        status = d.pop("status")

        use_count = d.pop("use_count")

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

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

        def _parse_imported_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                imported_at_type_0 = datetime.datetime.fromisoformat(data)

                return imported_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        imported_at = _parse_imported_at(d.pop("imported_at", UNSET))

        def _parse_imported_from(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        imported_from = _parse_imported_from(d.pop("imported_from", UNSET))

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

        def _parse_last_used_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at", UNSET))

        def _parse_last_used_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_used_ip = _parse_last_used_ip(d.pop("last_used_ip", UNSET))

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

        def _parse_replaced_by(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                replaced_by_type_0 = UUID(data)

                return replaced_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        replaced_by = _parse_replaced_by(d.pop("replaced_by", UNSET))

        def _parse_revoked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at", UNSET))

        def _parse_rotated_from(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rotated_from_type_0 = UUID(data)

                return rotated_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        rotated_from = _parse_rotated_from(d.pop("rotated_from", UNSET))

        list_token_view_items_item = cls(
            allowed_ips=allowed_ips,
            api_user_id=api_user_id,
            created_at=created_at,
            expiry_status=expiry_status,
            hint=hint,
            id=id,
            metadata=metadata,
            name=name,
            ratelimits=ratelimits,
            status=status,
            use_count=use_count,
            created_by=created_by,
            credits_=credits_,
            expires_at=expires_at,
            imported_at=imported_at,
            imported_from=imported_from,
            integration_id=integration_id,
            last_used_at=last_used_at,
            last_used_ip=last_used_ip,
            permissions=permissions,
            replaced_by=replaced_by,
            revoked_at=revoked_at,
            rotated_from=rotated_from,
        )

        list_token_view_items_item.additional_properties = d
        return list_token_view_items_item

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
