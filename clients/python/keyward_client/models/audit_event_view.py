from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audit_event_view_details import AuditEventViewDetails


T = TypeVar("T", bound="AuditEventView")


@_attrs_define
class AuditEventView:
    """
    Attributes:
        action (str):
        actor_kind (str): `member`, `token`, `api_user`, `system` or `anonymous`.
        actor_label (str):
        at (datetime.datetime):
        details (AuditEventViewDetails):
        id (UUID):
        outcome (str): `success` or `failure`.
        seq (int):
        target_type (str):
        actor_id (None | Unset | UUID):
        source_ip (None | str | Unset):
        target_id (None | Unset | UUID):
    """

    action: str
    actor_kind: str
    actor_label: str
    at: datetime.datetime
    details: AuditEventViewDetails
    id: UUID
    outcome: str
    seq: int
    target_type: str
    actor_id: None | Unset | UUID = UNSET
    source_ip: None | str | Unset = UNSET
    target_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor_kind = self.actor_kind

        actor_label = self.actor_label

        at = self.at.isoformat()

        details = self.details.to_dict()

        id = str(self.id)

        outcome = self.outcome

        seq = self.seq

        target_type = self.target_type

        actor_id: None | str | Unset
        if isinstance(self.actor_id, Unset):
            actor_id = UNSET
        elif isinstance(self.actor_id, UUID):
            actor_id = str(self.actor_id)
        else:
            actor_id = self.actor_id

        source_ip: None | str | Unset
        if isinstance(self.source_ip, Unset):
            source_ip = UNSET
        else:
            source_ip = self.source_ip

        target_id: None | str | Unset
        if isinstance(self.target_id, Unset):
            target_id = UNSET
        elif isinstance(self.target_id, UUID):
            target_id = str(self.target_id)
        else:
            target_id = self.target_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor_kind": actor_kind,
                "actor_label": actor_label,
                "at": at,
                "details": details,
                "id": id,
                "outcome": outcome,
                "seq": seq,
                "target_type": target_type,
            }
        )
        if actor_id is not UNSET:
            field_dict["actor_id"] = actor_id
        if source_ip is not UNSET:
            field_dict["source_ip"] = source_ip
        if target_id is not UNSET:
            field_dict["target_id"] = target_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_event_view_details import AuditEventViewDetails  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor_kind = d.pop("actor_kind")

        actor_label = d.pop("actor_label")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        details = AuditEventViewDetails.from_dict(d.pop("details"))

        id = UUID(d.pop("id"))

        outcome = d.pop("outcome")

        seq = d.pop("seq")

        target_type = d.pop("target_type")

        def _parse_actor_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                actor_id_type_0 = UUID(data)

                return actor_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        actor_id = _parse_actor_id(d.pop("actor_id", UNSET))

        def _parse_source_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_ip = _parse_source_ip(d.pop("source_ip", UNSET))

        def _parse_target_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                target_id_type_0 = UUID(data)

                return target_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        target_id = _parse_target_id(d.pop("target_id", UNSET))

        audit_event_view = cls(
            action=action,
            actor_kind=actor_kind,
            actor_label=actor_label,
            at=at,
            details=details,
            id=id,
            outcome=outcome,
            seq=seq,
            target_type=target_type,
            actor_id=actor_id,
            source_ip=source_ip,
            target_id=target_id,
        )

        audit_event_view.additional_properties = d
        return audit_event_view

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
