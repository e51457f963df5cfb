from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LeakReport")


@_attrs_define
class LeakReport:
    """One string a scanner found, in GitHub's shape (`{"token","type","url","source"}`).

    Attributes:
        token (str): The string found. Never stored, logged or echoed.
        source (str | Unset): Where the scanner looked (`content`, `commit`, `issue`, …).
        type_ (str | Unset): The scanner's name for the kind of secret.
        url (str | Unset): Where it was found.
    """

    token: str
    source: str | Unset = UNSET
    type_: str | Unset = UNSET
    url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        source = self.source

        type_ = self.type_

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
            }
        )
        if source is not UNSET:
            field_dict["source"] = source
        if type_ is not UNSET:
            field_dict["type"] = type_
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        token = d.pop("token")

        source = d.pop("source", UNSET)

        type_ = d.pop("type", UNSET)

        url = d.pop("url", UNSET)

        leak_report = cls(
            token=token,
            source=source,
            type_=type_,
            url=url,
        )

        leak_report.additional_properties = d
        return leak_report

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
