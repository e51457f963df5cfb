//! Folding a usage flush into rows for multi-row statements: one row per token for `tokens`,
//! one per (token, hour, code) for the counts, one per distinct address and network. Keys are
//! unique within the fold, which PostgreSQL requires of a multi-row `ON CONFLICT DO UPDATE`.

use std::collections::HashMap;
use std::fmt::Write as _;

use keyward_core::VerifyCode;
use uuid::Uuid;

use crate::{Engine, UsageUpdate, to_millis};

/// Rows per statement: a flush of thousands of tokens takes tens of statements rather than
/// thousands of round trips.
pub(crate) const USAGE_ROWS_PER_STATEMENT: usize = 100;

pub(crate) struct TokenRow {
    pub token_id: Uuid,
    pub last_used_at: i64,
    pub last_used_ip: Option<String>,
    pub total: i64,
}

pub(crate) struct CountRow {
    pub token_id: Uuid,
    pub hour: i64,
    pub code: VerifyCode,
    pub count: i64,
}

pub(crate) struct IpRow {
    pub token_id: Uuid,
    pub hour: i64,
    pub ip: String,
}

pub(crate) struct NetworkRow {
    pub token_id: Uuid,
    pub network: String,
    pub first_seen: i64,
}

#[derive(Default)]
pub(crate) struct FoldedUsage {
    pub tokens: Vec<TokenRow>,
    pub counts: Vec<CountRow>,
    pub ips: Vec<IpRow>,
    pub networks: Vec<NetworkRow>,
}

impl FoldedUsage {
    pub fn fold(updates: &[UsageUpdate]) -> Self {
        let mut tokens: HashMap<Uuid, TokenRow> = HashMap::with_capacity(updates.len());
        let mut counts: HashMap<(Uuid, i64, VerifyCode), i64> = HashMap::with_capacity(updates.len());
        let mut ips: HashMap<(Uuid, i64, String), ()> = HashMap::new();
        let mut networks: HashMap<(Uuid, String), i64> = HashMap::new();
        for u in updates {
            let at = to_millis(u.last_used_at);
            let hour = to_millis(u.hour);
            let total: u64 = u.counts.iter().map(|(_, n)| n).sum();
            let row = tokens.entry(u.token_id).or_insert(TokenRow {
                token_id: u.token_id,
                last_used_at: at,
                last_used_ip: u.last_used_ip.map(|ip| ip.to_string()),
                total: 0,
            });
            // The latest use wins, as it does against the row already stored.
            if at > row.last_used_at || (at == row.last_used_at && row.last_used_ip.is_none()) {
                row.last_used_at = at;
                row.last_used_ip = u.last_used_ip.map(|ip| ip.to_string());
            }
            row.total = row.total.saturating_add(i64::try_from(total).unwrap_or(i64::MAX));
            for (code, n) in &u.counts {
                let c = counts.entry((u.token_id, hour, *code)).or_insert(0);
                *c = c.saturating_add(i64::try_from(*n).unwrap_or(i64::MAX));
            }
            for ip in &u.ips {
                ips.insert((u.token_id, hour, ip.to_string()), ());
                let first = networks
                    .entry((u.token_id, keyward_core::ip::network_of(*ip)))
                    .or_insert(at);
                *first = (*first).min(at);
            }
        }
        // Sorted, so that nodes flushing at once touch rows in the same order.
        let mut out = Self {
            tokens: tokens.into_values().collect(),
            counts: counts
                .into_iter()
                .map(|((token_id, hour, code), count)| CountRow {
                    token_id,
                    hour,
                    code,
                    count,
                })
                .collect(),
            ips: ips
                .into_keys()
                .map(|(token_id, hour, ip)| IpRow { token_id, hour, ip })
                .collect(),
            networks: networks
                .into_iter()
                .map(|((token_id, network), first_seen)| NetworkRow {
                    token_id,
                    network,
                    first_seen,
                })
                .collect(),
        };
        out.tokens.sort_by_key(|t| t.token_id);
        out.counts.sort_by_key(|c| (c.token_id, c.hour, c.code.index()));
        out.ips
            .sort_by(|a, b| (a.token_id, a.hour, &a.ip).cmp(&(b.token_id, b.hour, &b.ip)));
        out.networks
            .sort_by(|a, b| (a.token_id, &a.network).cmp(&(b.token_id, &b.network)));
        out
    }
}

/// `($1, $2), ($3, $4)` for `rows` rows of `width` parameters; for SQLite `(?, ?), (?, ?)`,
/// bound in order: SQLite looks each numbered parameter's name up by a linear search of the
/// statement's parameters, so numbered binding costs grow with the square of a statement's
/// size (`sqlite3_bind_parameter_name` was half of a flush's CPU), anonymous binding does not.
pub(crate) fn placeholders(engine: Engine, rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                s.push_str(", ");
            }
            match engine {
                Engine::Sqlite => s.push('?'),
                Engine::Postgres => {
                    let _ = write!(s, "${}", r * width + c + 1);
                }
            }
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use time::macros::datetime;

    use super::*;

    #[test]
    fn placeholders_number_every_parameter_once() {
        assert_eq!(placeholders(Engine::Postgres, 1, 3), "($1, $2, $3)");
        assert_eq!(placeholders(Engine::Postgres, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(Engine::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn one_row_per_key_with_counts_added_and_the_latest_use_kept() {
        let t = Uuid::now_v7();
        let ip1: IpAddr = "10.0.0.1".parse().unwrap();
        let ip2: IpAddr = "10.0.0.2".parse().unwrap();
        let update = |at, hour, ip: IpAddr, n| UsageUpdate {
            token_id: t,
            last_used_at: at,
            last_used_ip: Some(ip),
            hour,
            counts: vec![(VerifyCode::Valid, n), (VerifyCode::Expired, 1)],
            ips: vec![ip],
        };
        let h1 = datetime!(2026-12-01 10:00 UTC);
        let h2 = datetime!(2026-12-01 11:00 UTC);
        let folded = FoldedUsage::fold(&[
            update(datetime!(2026-12-01 10:59 UTC), h1, ip1, 3),
            update(datetime!(2026-12-01 11:01 UTC), h2, ip2, 4),
            update(datetime!(2026-12-01 10:30 UTC), h1, ip1, 5),
        ]);
        assert_eq!(folded.tokens.len(), 1);
        assert_eq!(folded.tokens[0].total, 3 + 4 + 5 + 3);
        assert_eq!(
            folded.tokens[0].last_used_at,
            to_millis(datetime!(2026-12-01 11:01 UTC))
        );
        assert_eq!(folded.tokens[0].last_used_ip.as_deref(), Some("10.0.0.2"));
        let valid_h1 = folded
            .counts
            .iter()
            .find(|c| c.hour == to_millis(h1) && c.code == VerifyCode::Valid)
            .map(|c| c.count);
        assert_eq!(valid_h1, Some(8));
        assert_eq!(folded.counts.len(), 4);
        assert_eq!(folded.ips.len(), 2);
        // Both addresses are in one /24: one network, first seen at the earliest use.
        assert_eq!(folded.networks.len(), 1);
        assert_eq!(
            folded.networks[0].first_seen,
            to_millis(datetime!(2026-12-01 10:30 UTC))
        );
    }
}
