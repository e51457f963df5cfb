from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.leak_label import LeakLabel

T = TypeVar("T", bound="LeakFeedback")


@_attrs_define
class LeakFeedback:
    """The answer about one report, in GitHub's feedback shape; the token appears only as its
    SHA-256.

        Attributes:
            label (LeakLabel): Whether a reported string is a token keyward issued.
            token_hash (str): Lowercase hex SHA-256 of the reported string.
            token_type (str):
    """

    label: LeakLabel
    token_hash: str
    token_type: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label.value

        token_hash = self.token_hash

        token_type = self.token_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "token_hash": token_hash,
                "token_type": token_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        label = LeakLabel(d.pop("label"))

        token_hash = d.pop("token_hash")

        token_type = d.pop("token_type")

        leak_feedback = cls(
            label=label,
            token_hash=token_hash,
            token_type=token_type,
        )

        leak_feedback.additional_properties = d
        return leak_feedback

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
