from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.expiry_policy_doc import ExpiryPolicyDoc
    from ..models.insight_thresholds_doc import InsightThresholdsDoc
    from ..models.rate_limit_spec import RateLimitSpec


T = TypeVar("T", bound="SettingsDoc")


@_attrs_define
class SettingsDoc:
    """An organization's lifecycle settings.

    Attributes:
        default_ratelimits (list[RateLimitSpec]): Rate limits for each token that has none of its own (counted per
            token).
        expiry_policy (ExpiryPolicyDoc): The longest lifetime a token may be given, and whether it may have none.
        insights (InsightThresholdsDoc): When monitoring raises an alert (email to administrators,
            `verification.anomaly` webhook).
        refuse_foreign_tokens (bool): After migrating: imported tokens still in another system's format answer
            MALFORMED, and
            imports are refused (`foreign_tokens_refused`). Rotated tokens are keyward's and unaffected.
        require_member_2fa (bool): Members must turn on two-factor authentication (a super admin member's setting).
        credits_alert_percent (int | None | Unset): Administrators hear (email, `credits.low` webhook) when a balance
            falls below this
            share of its refill amount or last top-up, and again when it runs out
            (`credits.exhausted`); `null`: 10.
        leaked_token_action (None | str | Unset): What to do with a token reported leaked: `revoke`, `suspend` or
            `notify`; `null` revokes
            live tokens and only notifies of sandbox ones.
    """

    default_ratelimits: list[RateLimitSpec]
    expiry_policy: ExpiryPolicyDoc
    insights: InsightThresholdsDoc
    refuse_foreign_tokens: bool
    require_member_2fa: bool
    credits_alert_percent: int | None | Unset = UNSET
    leaked_token_action: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_ratelimits = []
        for default_ratelimits_item_data in self.default_ratelimits:
            default_ratelimits_item = default_ratelimits_item_data.to_dict()
            default_ratelimits.append(default_ratelimits_item)

        expiry_policy = self.expiry_policy.to_dict()

        insights = self.insights.to_dict()

        refuse_foreign_tokens = self.refuse_foreign_tokens

        require_member_2fa = self.require_member_2fa

        credits_alert_percent: int | None | Unset
        if isinstance(self.credits_alert_percent, Unset):
            credits_alert_percent = UNSET
        else:
            credits_alert_percent = self.credits_alert_percent

        leaked_token_action: None | str | Unset
        if isinstance(self.leaked_token_action, Unset):
            leaked_token_action = UNSET
        else:
            leaked_token_action = self.leaked_token_action

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default_ratelimits": default_ratelimits,
                "expiry_policy": expiry_policy,
                "insights": insights,
                "refuse_foreign_tokens": refuse_foreign_tokens,
                "require_member_2fa": require_member_2fa,
            }
        )
        if credits_alert_percent is not UNSET:
            field_dict["credits_alert_percent"] = credits_alert_percent
        if leaked_token_action is not UNSET:
            field_dict["leaked_token_action"] = leaked_token_action

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.expiry_policy_doc import ExpiryPolicyDoc  # noqa: PLC0415
        from ..models.insight_thresholds_doc import InsightThresholdsDoc  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        d = dict(src_dict)
        default_ratelimits = []
        _default_ratelimits = d.pop("default_ratelimits")
        for default_ratelimits_item_data in _default_ratelimits:
            default_ratelimits_item = RateLimitSpec.from_dict(default_ratelimits_item_data)

            default_ratelimits.append(default_ratelimits_item)

        expiry_policy = ExpiryPolicyDoc.from_dict(d.pop("expiry_policy"))

        insights = InsightThresholdsDoc.from_dict(d.pop("insights"))

        refuse_foreign_tokens = d.pop("refuse_foreign_tokens")

        require_member_2fa = d.pop("require_member_2fa")

        def _parse_credits_alert_percent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        credits_alert_percent = _parse_credits_alert_percent(d.pop("credits_alert_percent", UNSET))

        def _parse_leaked_token_action(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        leaked_token_action = _parse_leaked_token_action(d.pop("leaked_token_action", UNSET))

        settings_doc = cls(
            default_ratelimits=default_ratelimits,
            expiry_policy=expiry_policy,
            insights=insights,
            refuse_foreign_tokens=refuse_foreign_tokens,
            require_member_2fa=require_member_2fa,
            credits_alert_percent=credits_alert_percent,
            leaked_token_action=leaked_token_action,
        )

        settings_doc.additional_properties = d
        return settings_doc

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
