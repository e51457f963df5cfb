from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.member_view import MemberView


T = TypeVar("T", bound="MeView")


@_attrs_define
class MeView:
    """Who is calling: a member, or a token acting with keyward's permissions.

    Attributes:
        kind (str): `member` or `token`.
        label (str):
        organization_id (UUID):
        organization_name (str):
        member (MemberView | None | Unset):
    """

    kind: str
    label: str
    organization_id: UUID
    organization_name: str
    member: MemberView | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.member_view import MemberView  # noqa: PLC0415

        kind = self.kind

        label = self.label

        organization_id = str(self.organization_id)

        organization_name = self.organization_name

        member: dict[str, Any] | None | Unset
        if isinstance(self.member, Unset):
            member = UNSET
        elif isinstance(self.member, MemberView):
            member = self.member.to_dict()
        else:
            member = self.member

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "label": label,
                "organization_id": organization_id,
                "organization_name": organization_name,
            }
        )
        if member is not UNSET:
            field_dict["member"] = member

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.member_view import MemberView  # noqa: PLC0415

        d = dict(src_dict)
        kind = d.pop("kind")

        label = d.pop("label")

        organization_id = UUID(d.pop("organization_id"))

        organization_name = d.pop("organization_name")

        def _parse_member(data: object) -> MemberView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                member_type_0 = MemberView.from_dict(data)

                return member_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MemberView | None | Unset, data)

        member = _parse_member(d.pop("member", UNSET))

        me_view = cls(
            kind=kind,
            label=label,
            organization_id=organization_id,
            organization_name=organization_name,
            member=member,
        )

        me_view.additional_properties = d
        return me_view

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
