from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.import_token import ImportToken


T = TypeVar("T", bound="ImportRequest")


@_attrs_define
class ImportRequest:
    """A batch of tokens to import.

    Attributes:
        tokens (list[ImportToken]): At most 10 000.
        source (str | Unset): Where they come from (recorded in the audit trail), such as `unkey` or `legacy-db`.
    """

    tokens: list[ImportToken]
    source: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        tokens = []
        for tokens_item_data in self.tokens:
            tokens_item = tokens_item_data.to_dict()
            tokens.append(tokens_item)

        source = self.source

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tokens": tokens,
            }
        )
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.import_token import ImportToken  # noqa: PLC0415

        d = dict(src_dict)
        tokens = []
        _tokens = d.pop("tokens")
        for tokens_item_data in _tokens:
            tokens_item = ImportToken.from_dict(tokens_item_data)

            tokens.append(tokens_item)

        source = d.pop("source", UNSET)

        import_request = cls(
            tokens=tokens,
            source=source,
        )

        return import_request
