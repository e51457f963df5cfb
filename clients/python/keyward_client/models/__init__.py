"""Contains all the data models used in inputs/outputs"""

from .acting_member_view import ActingMemberView
from .adjust_credits import AdjustCredits
from .alert_view import AlertView
from .api_user_view import ApiUserView
from .api_user_view_metadata import ApiUserViewMetadata
from .audit_event_view import AuditEventView
from .audit_event_view_details import AuditEventViewDetails
from .audit_page import AuditPage
from .confirm import Confirm
from .create_api_user import CreateApiUser
from .create_api_user_metadata import CreateApiUserMetadata
from .create_group import CreateGroup
from .create_integration import CreateIntegration
from .create_member import CreateMember
from .create_route import CreateRoute
from .create_token import CreateToken
from .create_token_metadata import CreateTokenMetadata
from .create_webhook import CreateWebhook
from .created_token import CreatedToken
from .created_webhook import CreatedWebhook
from .credits_spec import CreditsSpec
from .credits_state import CreditsState
from .credits_view import CreditsView
from .endpoint_view import EndpointView
from .expiry_policy_doc import ExpiryPolicyDoc
from .git_lab_finding import GitLabFinding
from .group_view import GroupView
from .hash_check import HashCheck
from .hash_check_request import HashCheckRequest
from .health import Health
from .import_report import ImportReport
from .import_request import ImportRequest
from .import_token import ImportToken
from .import_token_metadata_type_0 import ImportTokenMetadataType0
from .insight_thresholds_doc import InsightThresholdsDoc
from .insights_view import InsightsView
from .integration_view import IntegrationView
from .introspect_request import IntrospectRequest
from .introspect_response import IntrospectResponse
from .leak_feedback import LeakFeedback
from .leak_label import LeakLabel
from .leak_report import LeakReport
from .list_api_user_view import ListApiUserView
from .list_api_user_view_items_item import ListApiUserViewItemsItem
from .list_api_user_view_items_item_metadata import ListApiUserViewItemsItemMetadata
from .list_group_view import ListGroupView
from .list_group_view_items_item import ListGroupViewItemsItem
from .list_integration_view import ListIntegrationView
from .list_integration_view_items_item import ListIntegrationViewItemsItem
from .list_member_view import ListMemberView
from .list_member_view_items_item import ListMemberViewItemsItem
from .list_outbox_view import ListOutboxView
from .list_outbox_view_items_item import ListOutboxViewItemsItem
from .list_route_view import ListRouteView
from .list_route_view_items_item import ListRouteViewItemsItem
from .list_token_view import ListTokenView
from .list_token_view_items_item import ListTokenViewItemsItem
from .list_token_view_items_item_metadata import ListTokenViewItemsItemMetadata
from .login_request import LoginRequest
from .login_response import LoginResponse
from .me_view import MeView
from .member_view import MemberView
from .o_auth_error import OAuthError
from .oauth_jwks_response_200 import OauthJwksResponse200
from .oauth_metadata_response_200 import OauthMetadataResponse200
from .outbox_view import OutboxView
from .problem import Problem
from .rate_limit_spec import RateLimitSpec
from .rate_limit_state import RateLimitState
from .refill_view import RefillView
from .refused_line import RefusedLine
from .revocable_token_types import RevocableTokenTypes
from .revoke_request import RevokeRequest
from .revoked_count import RevokedCount
from .rotate_token import RotateToken
from .route_view import RouteView
from .set_password import SetPassword
from .settings_doc import SettingsDoc
from .token_request import TokenRequest
from .token_response import TokenResponse
from .token_view import TokenView
from .token_view_metadata import TokenViewMetadata
from .totp_code import TotpCode
from .totp_enrolment import TotpEnrolment
from .update_api_user import UpdateApiUser
from .update_api_user_metadata_type_0 import UpdateApiUserMetadataType0
from .update_group import UpdateGroup
from .update_integration import UpdateIntegration
from .update_member import UpdateMember
from .update_route import UpdateRoute
from .update_token import UpdateToken
from .update_token_metadata_type_0 import UpdateTokenMetadataType0
from .update_webhook import UpdateWebhook
from .usage_hour_view import UsageHourView
from .usage_hour_view_by_code import UsageHourViewByCode
from .usage_point_view import UsagePointView
from .usage_series_view import UsageSeriesView
from .verified_api_user import VerifiedApiUser
from .verified_api_user_metadata import VerifiedApiUserMetadata
from .verify_code_view import VerifyCodeView
from .verify_request import VerifyRequest
from .verify_response import VerifyResponse
from .verify_response_metadata_type_0 import VerifyResponseMetadataType0
from .webhook_view import WebhookView

__all__ = (
    "ActingMemberView",
    "AdjustCredits",
    "AlertView",
    "ApiUserView",
    "ApiUserViewMetadata",
    "AuditEventView",
    "AuditEventViewDetails",
    "AuditPage",
    "Confirm",
    "CreateApiUser",
    "CreateApiUserMetadata",
    "CreatedToken",
    "CreatedWebhook",
    "CreateGroup",
    "CreateIntegration",
    "CreateMember",
    "CreateRoute",
    "CreateToken",
    "CreateTokenMetadata",
    "CreateWebhook",
    "CreditsSpec",
    "CreditsState",
    "CreditsView",
    "EndpointView",
    "ExpiryPolicyDoc",
    "GitLabFinding",
    "GroupView",
    "HashCheck",
    "HashCheckRequest",
    "Health",
    "ImportReport",
    "ImportRequest",
    "ImportToken",
    "ImportTokenMetadataType0",
    "InsightsView",
    "InsightThresholdsDoc",
    "IntegrationView",
    "IntrospectRequest",
    "IntrospectResponse",
    "LeakFeedback",
    "LeakLabel",
    "LeakReport",
    "ListApiUserView",
    "ListApiUserViewItemsItem",
    "ListApiUserViewItemsItemMetadata",
    "ListGroupView",
    "ListGroupViewItemsItem",
    "ListIntegrationView",
    "ListIntegrationViewItemsItem",
    "ListMemberView",
    "ListMemberViewItemsItem",
    "ListOutboxView",
    "ListOutboxViewItemsItem",
    "ListRouteView",
    "ListRouteViewItemsItem",
    "ListTokenView",
    "ListTokenViewItemsItem",
    "ListTokenViewItemsItemMetadata",
    "LoginRequest",
    "LoginResponse",
    "MemberView",
    "MeView",
    "OAuthError",
    "OauthJwksResponse200",
    "OauthMetadataResponse200",
    "OutboxView",
    "Problem",
    "RateLimitSpec",
    "RateLimitState",
    "RefillView",
    "RefusedLine",
    "RevocableTokenTypes",
    "RevokedCount",
    "RevokeRequest",
    "RotateToken",
    "RouteView",
    "SetPassword",
    "SettingsDoc",
    "TokenRequest",
    "TokenResponse",
    "TokenView",
    "TokenViewMetadata",
    "TotpCode",
    "TotpEnrolment",
    "UpdateApiUser",
    "UpdateApiUserMetadataType0",
    "UpdateGroup",
    "UpdateIntegration",
    "UpdateMember",
    "UpdateRoute",
    "UpdateToken",
    "UpdateTokenMetadataType0",
    "UpdateWebhook",
    "UsageHourView",
    "UsageHourViewByCode",
    "UsagePointView",
    "UsageSeriesView",
    "VerifiedApiUser",
    "VerifiedApiUserMetadata",
    "VerifyCodeView",
    "VerifyRequest",
    "VerifyResponse",
    "VerifyResponseMetadataType0",
    "WebhookView",
)
