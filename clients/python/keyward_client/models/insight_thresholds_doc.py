from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InsightThresholdsDoc")


@_attrs_define
class InsightThresholdsDoc:
    """When monitoring raises an alert (email to administrators, `verification.anomaly` webhook).

    Attributes:
        denied_burst (int): Refused verifications (IP_NOT_ALLOWED, INSUFFICIENT_PERMISSIONS, REVOKED) of one token in
            one hour.
        imported_rotate_days (int): Report an imported token still active this many days after its import, to nudge its
            owner to rotate it into keyward's format.
        never_used_days (int): Report tokens never used this many days after creation.
        new_network (bool): Report a token's first use from an IP network (/24, /48) it was never used from.
        spike_factor (int): An hour above this many times the token's average hour of the previous week…
        spike_min (int): …and with at least this many verifications, is a spike.
        unused_days (int): Report tokens not used for this many days.
    """

    denied_burst: int
    imported_rotate_days: int
    never_used_days: int
    new_network: bool
    spike_factor: int
    spike_min: int
    unused_days: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        denied_burst = self.denied_burst

        imported_rotate_days = self.imported_rotate_days

        never_used_days = self.never_used_days

        new_network = self.new_network

        spike_factor = self.spike_factor

        spike_min = self.spike_min

        unused_days = self.unused_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "denied_burst": denied_burst,
                "imported_rotate_days": imported_rotate_days,
                "never_used_days": never_used_days,
                "new_network": new_network,
                "spike_factor": spike_factor,
                "spike_min": spike_min,
                "unused_days": unused_days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        denied_burst = d.pop("denied_burst")

        imported_rotate_days = d.pop("imported_rotate_days")

        never_used_days = d.pop("never_used_days")

        new_network = d.pop("new_network")

        spike_factor = d.pop("spike_factor")

        spike_min = d.pop("spike_min")

        unused_days = d.pop("unused_days")

        insight_thresholds_doc = cls(
            denied_burst=denied_burst,
            imported_rotate_days=imported_rotate_days,
            never_used_days=never_used_days,
            new_network=new_network,
            spike_factor=spike_factor,
            spike_min=spike_min,
            unused_days=unused_days,
        )

        insight_thresholds_doc.additional_properties = d
        return insight_thresholds_doc

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
