from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.refill_view import RefillView


T = TypeVar("T", bound="CreditsSpec")


@_attrs_define
class CreditsSpec:
    """Credits to give a token or an API user: each verification spends its `cost` (default 1).

    Attributes:
        remaining (int):  Example: 1000.
        refill (None | RefillView | Unset):
    """

    remaining: int
    refill: None | RefillView | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.refill_view import RefillView  # noqa: PLC0415

        remaining = self.remaining

        refill: dict[str, Any] | None | Unset
        if isinstance(self.refill, Unset):
            refill = UNSET
        elif isinstance(self.refill, RefillView):
            refill = self.refill.to_dict()
        else:
            refill = self.refill

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "remaining": remaining,
            }
        )
        if refill is not UNSET:
            field_dict["refill"] = refill

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.refill_view import RefillView  # noqa: PLC0415

        d = dict(src_dict)
        remaining = d.pop("remaining")

        def _parse_refill(data: object) -> None | RefillView | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refill_type_0 = RefillView.from_dict(data)

                return refill_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefillView | Unset, data)

        refill = _parse_refill(d.pop("refill", UNSET))

        credits_spec = cls(
            remaining=remaining,
            refill=refill,
        )

        return credits_spec
