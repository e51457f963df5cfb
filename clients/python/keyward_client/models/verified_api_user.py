from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.acting_member_view import ActingMemberView
    from ..models.verified_api_user_metadata import VerifiedApiUserMetadata


T = TypeVar("T", bound="VerifiedApiUser")


@_attrs_define
class VerifiedApiUser:
    """The API user a valid token speaks for.

    Attributes:
        environment (str):
        id (UUID):
        metadata (VerifiedApiUserMetadata):
        username (str):
        acting_member (ActingMemberView | None | Unset):
        external_id (None | str | Unset):
    """

    environment: str
    id: UUID
    metadata: VerifiedApiUserMetadata
    username: str
    acting_member: ActingMemberView | None | Unset = UNSET
    external_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.acting_member_view import ActingMemberView  # noqa: PLC0415

        environment = self.environment

        id = str(self.id)

        metadata = self.metadata.to_dict()

        username = self.username

        acting_member: dict[str, Any] | None | Unset
        if isinstance(self.acting_member, Unset):
            acting_member = UNSET
        elif isinstance(self.acting_member, ActingMemberView):
            acting_member = self.acting_member.to_dict()
        else:
            acting_member = self.acting_member

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "environment": environment,
                "id": id,
                "metadata": metadata,
                "username": username,
            }
        )
        if acting_member is not UNSET:
            field_dict["acting_member"] = acting_member
        if external_id is not UNSET:
            field_dict["external_id"] = external_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.acting_member_view import ActingMemberView  # noqa: PLC0415
        from ..models.verified_api_user_metadata import VerifiedApiUserMetadata  # noqa: PLC0415

        d = dict(src_dict)
        environment = d.pop("environment")

        id = UUID(d.pop("id"))

        metadata = VerifiedApiUserMetadata.from_dict(d.pop("metadata"))

        username = d.pop("username")

        def _parse_acting_member(data: object) -> ActingMemberView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                acting_member_type_0 = ActingMemberView.from_dict(data)

                return acting_member_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActingMemberView | None | Unset, data)

        acting_member = _parse_acting_member(d.pop("acting_member", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        verified_api_user = cls(
            environment=environment,
            id=id,
            metadata=metadata,
            username=username,
            acting_member=acting_member,
            external_id=external_id,
        )

        verified_api_user.additional_properties = d
        return verified_api_user

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
