from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.alert_view import AlertView
    from ..models.insight_thresholds_doc import InsightThresholdsDoc
    from ..models.token_view import TokenView


T = TypeVar("T", bound="InsightsView")


@_attrs_define
class InsightsView:
    """
    Attributes:
        alerts (list[AlertView]): Alerts raised in the last 7 days, newest first.
        imported (list[TokenView]): Active tokens imported at least `imported_rotate_days` ago and not rotated yet:
            their
            owners still use the old system's format.
        never_used (list[TokenView]): Active tokens created at least `never_used_days` ago and never used.
        thresholds (InsightThresholdsDoc): When monitoring raises an alert (email to administrators,
            `verification.anomaly` webhook).
        unused (list[TokenView]): Active tokens not used for `unused_days`: candidates for decommissioning.
    """

    alerts: list[AlertView]
    imported: list[TokenView]
    never_used: list[TokenView]
    thresholds: InsightThresholdsDoc
    unused: list[TokenView]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alerts = []
        for alerts_item_data in self.alerts:
            alerts_item = alerts_item_data.to_dict()
            alerts.append(alerts_item)

        imported = []
        for imported_item_data in self.imported:
            imported_item = imported_item_data.to_dict()
            imported.append(imported_item)

        never_used = []
        for never_used_item_data in self.never_used:
            never_used_item = never_used_item_data.to_dict()
            never_used.append(never_used_item)

        thresholds = self.thresholds.to_dict()

        unused = []
        for unused_item_data in self.unused:
            unused_item = unused_item_data.to_dict()
            unused.append(unused_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alerts": alerts,
                "imported": imported,
                "never_used": never_used,
                "thresholds": thresholds,
                "unused": unused,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.alert_view import AlertView  # noqa: PLC0415
        from ..models.insight_thresholds_doc import InsightThresholdsDoc  # noqa: PLC0415
        from ..models.token_view import TokenView  # noqa: PLC0415

        d = dict(src_dict)
        alerts = []
        _alerts = d.pop("alerts")
        for alerts_item_data in _alerts:
            alerts_item = AlertView.from_dict(alerts_item_data)

            alerts.append(alerts_item)

        imported = []
        _imported = d.pop("imported")
        for imported_item_data in _imported:
            imported_item = TokenView.from_dict(imported_item_data)

            imported.append(imported_item)

        never_used = []
        _never_used = d.pop("never_used")
        for never_used_item_data in _never_used:
            never_used_item = TokenView.from_dict(never_used_item_data)

            never_used.append(never_used_item)

        thresholds = InsightThresholdsDoc.from_dict(d.pop("thresholds"))

        unused = []
        _unused = d.pop("unused")
        for unused_item_data in _unused:
            unused_item = TokenView.from_dict(unused_item_data)

            unused.append(unused_item)

        insights_view = cls(
            alerts=alerts,
            imported=imported,
            never_used=never_used,
            thresholds=thresholds,
            unused=unused,
        )

        insights_view.additional_properties = d
        return insights_view

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
