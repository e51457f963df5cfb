from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TotpEnrolment")


@_attrs_define
class TotpEnrolment:
    """The once-only secrets of an enrolment.

    Attributes:
        otpauth_uri (str): For authenticator apps; holds the seed. Shown once.
        qr_svg (str): The same as a QR code, as SVG.
        recovery_codes (list[str]): Ten single-use codes for when the authenticator is lost. Shown once.
    """

    otpauth_uri: str
    qr_svg: str
    recovery_codes: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        otpauth_uri = self.otpauth_uri

        qr_svg = self.qr_svg

        recovery_codes = self.recovery_codes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "otpauth_uri": otpauth_uri,
                "qr_svg": qr_svg,
                "recovery_codes": recovery_codes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        otpauth_uri = d.pop("otpauth_uri")

        qr_svg = d.pop("qr_svg")

        recovery_codes = cast(list[str], d.pop("recovery_codes"))

        totp_enrolment = cls(
            otpauth_uri=otpauth_uri,
            qr_svg=qr_svg,
            recovery_codes=recovery_codes,
        )

        totp_enrolment.additional_properties = d
        return totp_enrolment

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
