//! Failed-login throttling per account and per client IP (the rule is
//! `keyward_core::throttle`). The counts live in the database, so that every node sharing it
//! applies the same limits and an administrator's unlock holds everywhere at once.

use keyward_core::ThrottlePolicy;
use keyward_store::{DynStore, StoreResult};
use time::{Duration, OffsetDateTime};

pub struct LoginThrottle {
    store: DynStore,
    pub per_account: ThrottlePolicy,
    pub per_ip: ThrottlePolicy,
}

impl LoginThrottle {
    pub fn new(store: DynStore) -> Self {
        let window = Duration::minutes(15);
        let max_lockout = Duration::days(1);
        Self {
            store,
            per_account: ThrottlePolicy {
                limit: 5,
                window,
                max_lockout,
            },
            per_ip: ThrottlePolicy {
                limit: 20,
                window,
                max_lockout,
            },
        }
    }

    fn account_key(account: &str) -> String {
        format!("account:{account}")
    }

    fn ip_key(ip: &str) -> String {
        format!("ip:{ip}")
    }

    /// `Ok(Err(seconds))` to wait when the account or the address is locked out.
    pub async fn check(&self, account: &str, ip: &str, now: OffsetDateTime) -> StoreResult<Result<(), u64>> {
        let (a, i) = (Self::account_key(account), Self::ip_key(ip));
        let states = self.store.throttle_states(&[&a, &i]).await?;
        let wait = states.iter().filter_map(|(_, s)| s.wait(now)).max();
        Ok(wait.map_or(Ok(()), Err))
    }

    /// Counts a failure against both the account and the address.
    pub async fn fail(&self, account: &str, ip: &str, now: OffsetDateTime) -> StoreResult<()> {
        self.store
            .throttle_fail(&Self::account_key(account), &self.per_account, now)
            .await?;
        self.store
            .throttle_fail(&Self::ip_key(ip), &self.per_ip, now)
            .await?;
        Ok(())
    }

    /// A successful login forgets the account's failures and lockouts.
    pub async fn succeed(&self, account: &str) -> StoreResult<()> {
        self.unlock(account).await
    }

    /// Lifts an account's lockout (an administrator's action, or a success).
    pub async fn unlock(&self, account: &str) -> StoreResult<()> {
        self.store.throttle_clear(&Self::account_key(account)).await
    }
}
