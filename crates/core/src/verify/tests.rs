//! The decision and its compiled form, on examples and on generated subjects.

use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

fn integration(name: &str, active: bool, ips: &[&str]) -> IntegrationRef {
    IntegrationRef {
        id: Uuid::now_v7(),
        name: name.into(),
        active,
        allowed_ips: IpAllowList::parse(ips).unwrap(),
    }
}

fn subject() -> VerifySubject {
    VerifySubject::new(
        Uuid::now_v7(),
        ApiUser::new(Uuid::now_v7(), "crm-sync", NOW),
        PermissionSet::parse(["contacts:read", "contacts:write", "orders:*"]).unwrap(),
    )
}

fn q<'a>(ip: Option<&str>, perms: &'a [String], integration: Option<&'a str>) -> VerifyQuery<'a> {
    VerifyQuery {
        ip: ip.map(|s| s.parse().unwrap()),
        permissions: perms,
        integration,
    }
}

/// The code for a call with no IP and no permission asked, naming `integration` (or none).
fn via(s: &VerifySubject, integration: Option<&str>) -> VerifyCode {
    decide(Some(s), &q(None, &[], integration), NOW)
}

fn perms(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn unknown_is_not_found_and_plain_is_valid() {
    assert_eq!(
        decide(None, &VerifyQuery::<String>::default(), NOW),
        VerifyCode::NotFound
    );
    assert_eq!(
        decide(Some(&subject()), &VerifyQuery::<String>::default(), NOW),
        VerifyCode::Valid
    );
}

#[test]
fn order_revoked_before_expired_before_suspended_before_ip() {
    let mut s = subject();
    s.token_status = TokenStatus::Revoked;
    s.token_expires_at = Some(NOW - time::Duration::seconds(1));
    s.api_user_active = false;
    s.token_ips = IpAllowList::parse(["10.0.0.1"]).unwrap();
    let p = perms(&["nope:nope"]);
    let query = q(Some("192.0.2.1"), &p, Some("other"));
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::Revoked);
    s.token_status = TokenStatus::Suspended;
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::Expired);
    s.token_expires_at = None;
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::Suspended);
    s.token_status = TokenStatus::Active;
    assert_eq!(
        decide(Some(&s), &query, NOW),
        VerifyCode::Suspended,
        "the API user is suspended"
    );
    s.api_user_active = true;
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::IpNotAllowed);
    s.token_ips = IpAllowList::default();
    s.api_user_integrations = vec![integration("crm", true, &[])];
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::IntegrationNotAllowed);
    s.api_user_integrations.clear();
    assert_eq!(decide(Some(&s), &query, NOW), VerifyCode::InsufficientPermissions);
    let ok = perms(&["orders:read"]);
    assert_eq!(
        decide(Some(&s), &q(Some("192.0.2.1"), &ok, Some("other")), NOW),
        VerifyCode::Valid
    );
}

#[test]
fn earliest_expiry_wins_and_the_boundary_is_expired() {
    let mut s = subject();
    s.token_expires_at = Some(NOW + time::Duration::days(10));
    s.api_user_expires_at = Some(NOW);
    assert_eq!(s.expires_at(), Some(NOW));
    assert_eq!(via(&s, None), VerifyCode::Expired);
    assert_eq!(
        decide(
            Some(&s),
            &VerifyQuery::<String>::default(),
            NOW - time::Duration::seconds(1)
        ),
        VerifyCode::Valid
    );
}

#[test]
fn suspended_integration_on_the_path_suspends() {
    let mut s = subject();
    s.token_integration = Some(integration("crm", false, &[]));
    assert_eq!(via(&s, None), VerifyCode::Suspended);
    let mut s = subject();
    s.api_user_integrations = vec![integration("crm", false, &[]), integration("erp", true, &[])];
    assert_eq!(via(&s, Some("crm")), VerifyCode::Suspended);
    assert_eq!(via(&s, Some("erp")), VerifyCode::Valid);
}

/// An API user restricted to integrations that are all inactive is suspended when the call
/// names no integration, as through each of them (issue 18, item 2).
#[test]
fn no_integration_named_when_every_allowed_one_is_inactive_is_suspended() {
    let mut s = subject();
    s.api_user_integrations = vec![integration("crm", false, &[]), integration("erp", false, &[])];
    assert_eq!(via(&s, None), VerifyCode::Suspended);
    assert_eq!(via(&s, Some("crm")), VerifyCode::Suspended);
    s.api_user_integrations[1].active = true;
    assert_eq!(via(&s, None), VerifyCode::Valid);
    assert_eq!(via(&s, Some("crm")), VerifyCode::Suspended);
    let fast = FastDecision::new(&s);
    assert_eq!(
        fast.decide(&q(None, &[], None), unix_nanos(NOW)),
        Some(VerifyCode::Valid)
    );
    s.api_user_integrations[1].active = false;
    let fast = FastDecision::new(&s);
    assert_eq!(
        fast.decide(&q(None, &[], None), unix_nanos(NOW)),
        Some(VerifyCode::Suspended)
    );
}

#[test]
fn ip_lists_intersect_along_the_path() {
    let mut s = subject();
    s.token_ips = IpAllowList::parse(["10.0.0.0/8"]).unwrap();
    s.api_user_ips = IpAllowList::parse(["10.1.0.0/16", "2001:db8::/32"]).unwrap();
    let crm = integration("crm", true, &["10.1.2.0/24"]);
    s.api_user_integrations = vec![crm.clone()];
    let d = |ip: Option<&str>, i: Option<&str>| decide(Some(&s), &q(ip, &[], i), NOW);
    assert_eq!(d(Some("10.1.2.3"), Some("crm")), VerifyCode::Valid);
    assert_eq!(
        d(Some("10.1.3.3"), Some("crm")),
        VerifyCode::IpNotAllowed,
        "outside the integration's range"
    );
    assert_eq!(
        d(Some("10.1.3.3"), None),
        VerifyCode::Valid,
        "no integration named: token ∩ user"
    );
    assert_eq!(
        d(Some("10.2.0.1"), None),
        VerifyCode::IpNotAllowed,
        "outside the user's range"
    );
    assert_eq!(
        d(Some("2001:db8::1"), None),
        VerifyCode::IpNotAllowed,
        "outside the token's range"
    );
    assert_eq!(
        d(None, None),
        VerifyCode::IpNotAllowed,
        "restricted tokens fail closed without an IP"
    );
    assert_eq!(
        d(Some("10.1.2.3"), Some(&crm.id.to_string())),
        VerifyCode::Valid,
        "integration by id"
    );
}

#[test]
fn integration_restrictions_of_token_and_user() {
    let mut s = subject();
    let crm = integration("crm", true, &[]);
    s.token_integration = Some(crm.clone());
    assert_eq!(via(&s, Some("crm")), VerifyCode::Valid);
    assert_eq!(via(&s, Some("erp")), VerifyCode::IntegrationNotAllowed);
    let mut s = subject();
    s.api_user_integrations = vec![crm, integration("erp", true, &[])];
    assert_eq!(via(&s, Some("erp")), VerifyCode::Valid);
    assert_eq!(via(&s, Some("hr")), VerifyCode::IntegrationNotAllowed);
}

#[test]
fn permissions_are_token_intersect_group() {
    let mut s = subject();
    s.token_permissions = Some(PermissionSet::parse(["contacts:read", "billing:read"]).unwrap());
    let d = |p: &[&str]| decide(Some(&s), &q(None, &perms(p), None), NOW);
    assert_eq!(d(&["contacts:read"]), VerifyCode::Valid);
    assert_eq!(
        d(&["contacts:write"]),
        VerifyCode::InsufficientPermissions,
        "group has it, token not"
    );
    assert_eq!(
        d(&["billing:read"]),
        VerifyCode::InsufficientPermissions,
        "token has it, group no longer"
    );
    assert_eq!(
        s.effective_permissions(),
        PermissionSet::parse(["contacts:read"]).unwrap(),
        "effective rights drop what the group no longer grants"
    );
    let mut s = subject();
    s.token_permissions = None;
    assert_eq!(
        decide(Some(&s), &q(None, &perms(&["orders:ship"]), None), NOW),
        VerifyCode::Valid
    );
}

mod fast {
    use super::*;
    use proptest::prelude::*;

    fn perm_set() -> impl Strategy<Value = PermissionSet> {
        prop::collection::vec(
            prop::sample::select(vec![
                "contacts:read",
                "contacts:write",
                "contacts:*",
                "orders:read",
                "orders:*",
                "*",
                "keyward:verify",
                "keyward:*",
                "a-very-long-resource-name:with-a-long-action",
                "another-long-resource-name:with-a-long-action",
            ]),
            0..5,
        )
        .prop_map(|v| PermissionSet::parse(v).unwrap())
    }

    fn ips() -> impl Strategy<Value = IpAllowList> {
        prop_oneof![
            4 => Just(vec![]),
            1 => Just(vec!["10.0.0.0/8"]),
            1 => Just(vec!["192.0.2.1", "2001:db8::/32"]),
        ]
        .prop_map(|v| IpAllowList::parse(v).unwrap())
    }

    fn maybe_integration() -> impl Strategy<Value = Option<IntegrationRef>> {
        prop::option::of(
            (
                prop::sample::select(vec!["crm", "erp"]),
                prop::bool::weighted(0.8),
                ips(),
            )
                .prop_map(|(name, active, allowed_ips)| IntegrationRef {
                    id: Uuid::from_u128(name.len() as u128),
                    name: name.into(),
                    active,
                    allowed_ips,
                }),
        )
    }

    fn expiry() -> impl Strategy<Value = Option<OffsetDateTime>> {
        prop::option::of((-3i64..6, 0i64..2).prop_map(|(s, ns)| NOW + time::Duration::new(s, ns as i32)))
    }

    prop_compose! {
        fn subjects()(
            status in prop_oneof![4 => Just(TokenStatus::Active), 1 => Just(TokenStatus::Suspended), 1 => Just(TokenStatus::Revoked)],
            token_expires_at in expiry(),
            api_user_expires_at in expiry(),
            token_permissions in prop::option::of(perm_set()),
            group_permissions in perm_set(),
            token_ips in ips(),
            api_user_ips in ips(),
            token_integration in maybe_integration(),
            api_user_integrations in prop::collection::vec(maybe_integration(), 0..3),
            api_user_active in prop::bool::weighted(0.8),
        ) -> VerifySubject {
            let mut s = subject();
            s.token_status = status;
            s.token_expires_at = token_expires_at;
            s.api_user_expires_at = api_user_expires_at;
            s.token_permissions = token_permissions;
            s.group_permissions = group_permissions;
            s.token_ips = token_ips;
            s.api_user_ips = api_user_ips;
            s.token_integration = token_integration;
            s.api_user_integrations = api_user_integrations.into_iter().flatten().collect();
            s.api_user_active = api_user_active;
            s
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn fast_decision_answers_what_decide_answers(
            s in subjects(),
            ip in prop::option::of(prop::sample::select(vec!["10.1.2.3", "192.0.2.1", "2001:db8::1", "198.51.100.7"])),
            wanted in prop::collection::vec(prop::sample::select(vec![
                "contacts:read", "contacts:write", "orders:read", "orders:ship", "keyward:verify",
                "contacts", "a-very-long-resource-name:with-a-long-action",
            ]), 0..3),
            integration in prop::option::of(prop::sample::select(vec!["crm", "erp", "hr"])),
            now_offset in -4i64..4,
        ) {
            let now = NOW + time::Duration::new(now_offset, 1);
            let query = VerifyQuery { ip: ip.map(|i| i.parse().unwrap()), permissions: &wanted[..], integration };
            let full = decide(Some(&s), &query, now);
            if let Some(fast) = FastDecision::new(&s).decide(&query, unix_nanos(now)) {
                prop_assert_eq!(fast, full);
            }
        }
    }

    /// The comparison above is only worth something if the fast path answers often, and
    /// answers every code it can.
    #[test]
    fn the_generated_cases_exercise_every_fast_answer() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut answered = std::collections::HashMap::new();
        let wanted = perms(&["contacts:read"]);
        for _ in 0..4000 {
            let s = subjects().new_tree(&mut runner).unwrap().current();
            let query = q(None, &wanted, None);
            if let Some(code) = FastDecision::new(&s).decide(&query, unix_nanos(NOW)) {
                assert_eq!(code, decide(Some(&s), &query, NOW));
                *answered.entry(code).or_insert(0) += 1;
            }
        }
        for code in [
            VerifyCode::Revoked,
            VerifyCode::Expired,
            VerifyCode::Suspended,
            VerifyCode::Valid,
        ] {
            assert!(
                answered.get(&code).copied().unwrap_or(0) > 40,
                "{code:?}: {answered:?}"
            );
        }
    }

    #[test]
    fn the_common_request_is_decided_without_the_subject() {
        let now = unix_nanos(NOW);
        // The fast answer for a call asking `asked`, with no IP and no integration.
        let asking = |fast: &FastDecision, asked: &[&str]| fast.decide(&q(None, &perms(asked), None), now);
        let fast = FastDecision::new(&subject());
        assert_eq!(asking(&fast, &["contacts:read"]), Some(VerifyCode::Valid));
        assert_eq!(
            asking(&fast, &["orders:ship"]),
            None,
            "granted by a wildcard: full decision"
        );
        let mut s = subject();
        s.token_status = TokenStatus::Revoked;
        assert_eq!(
            FastDecision::new(&s).decide(&q(None, &[], Some("crm")), now),
            Some(VerifyCode::Revoked)
        );
        let mut s = subject();
        s.api_user_ips = IpAllowList::parse(["10.0.0.0/8"]).unwrap();
        assert_eq!(
            FastDecision::new(&s).decide(&q(Some("10.0.0.1"), &[], None), now),
            None
        );
        let mut s = subject();
        let held = [
            "contacts:read",
            "contacts:write",
            "orders:read",
            "orders:write",
            "billing:read",
        ];
        s.token_permissions = Some(PermissionSet::parse(held).unwrap());
        let fast = FastDecision::new(&s);
        assert!(matches!(fast.granted, GrantedList::Heap(_)), "{:?}", fast.granted);
        assert_eq!(
            asking(&fast, &["orders:write", "contacts:write"]),
            Some(VerifyCode::Valid)
        );
        assert_eq!(asking(&fast, &["billing:read"]), None, "not granted by the group");
    }

    #[test]
    fn nanoseconds_saturate_far_from_now() {
        assert_eq!(unix_nanos(OffsetDateTime::UNIX_EPOCH), 0);
        assert_eq!(unix_nanos(time::macros::datetime!(9999-12-31 0:00 UTC)), i64::MAX);
        assert_eq!(unix_nanos(time::macros::datetime!(1000-01-01 0:00 UTC)), i64::MIN);
    }
}

#[test]
fn codes_round_trip() {
    for c in VerifyCode::ALL {
        assert_eq!(VerifyCode::parse(c.as_str()), Some(c));
        assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(c.as_str()));
    }
}
