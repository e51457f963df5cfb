from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OutboxView")


@_attrs_define
class OutboxView:
    """
    Attributes:
        attempts (int):
        body (str):
        channel (str): `email` or `webhook`.
        created_at (datetime.datetime):
        event (str):
        id (UUID):
        next_attempt_at (datetime.datetime):
        recipient (str): An email address, or the webhook endpoint's id.
        status (str): `pending`, `delivered` or `dead`.
        subject (str):
        delivered_at (datetime.datetime | None | Unset):
        last_error (None | str | Unset):
    """

    attempts: int
    body: str
    channel: str
    created_at: datetime.datetime
    event: str
    id: UUID
    next_attempt_at: datetime.datetime
    recipient: str
    status: str
    subject: str
    delivered_at: datetime.datetime | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        body = self.body

        channel = self.channel

        created_at = self.created_at.isoformat()

        event = self.event

        id = str(self.id)

        next_attempt_at = self.next_attempt_at.isoformat()

        recipient = self.recipient

        status = self.status

        subject = self.subject

        delivered_at: None | str | Unset
        if isinstance(self.delivered_at, Unset):
            delivered_at = UNSET
        elif isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "body": body,
                "channel": channel,
                "created_at": created_at,
                "event": event,
                "id": id,
                "next_attempt_at": next_attempt_at,
                "recipient": recipient,
                "status": status,
                "subject": subject,
            }
        )
        if delivered_at is not UNSET:
            field_dict["delivered_at"] = delivered_at
        if last_error is not UNSET:
            field_dict["last_error"] = last_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        body = d.pop("body")

        channel = d.pop("channel")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        event = d.pop("event")

        id = UUID(d.pop("id"))

        next_attempt_at = datetime.datetime.fromisoformat(d.pop("next_attempt_at"))

        recipient = d.pop("recipient")

        status = d.pop("status")

        subject = d.pop("subject")

        def _parse_delivered_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        outbox_view = cls(
            attempts=attempts,
            body=body,
            channel=channel,
            created_at=created_at,
            event=event,
            id=id,
            next_attempt_at=next_attempt_at,
            recipient=recipient,
            status=status,
            subject=subject,
            delivered_at=delivered_at,
            last_error=last_error,
        )

        outbox_view.additional_properties = d
        return outbox_view

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
