//! Rate-limit and credit flags shared by `token create|update` and `api-user create|update`,
//! and `… credits` to top a balance up.

use super::*;

/// Limits and credits to give something being created.
#[derive(clap::Args, Default)]
pub struct LimitArgs {
    /// A rate limit NAME=LIMIT/DURATION, such as requests=100/1m (DURATION in ms, s, m, h or
    /// d); repeat for several.
    #[arg(long = "ratelimit", value_name = "NAME=LIMIT/DURATION", value_parser = parse_ratelimit)]
    pub ratelimits: Vec<RateLimitSpec>,
    /// Credits to start with; each verification spends its cost (default 1).
    #[arg(long)]
    pub credits: Option<u64>,
    /// When credits come back: daily, monthly, monthly:DAY, or every DURATION (such as 1h);
    /// they become --refill-amount (default: --credits).
    #[arg(long, requires = "credits", value_name = "INTERVAL")]
    pub refill: Option<String>,
    /// What a refill sets the balance to.
    #[arg(long, requires = "refill")]
    pub refill_amount: Option<u64>,
}

/// What `update` may change of limits and credits.
#[derive(clap::Args, Default)]
pub struct LimitChangeArgs {
    #[command(flatten)]
    pub set: LimitArgs,
    /// Remove every rate limit (a token then falls back to the organization's default).
    #[arg(long, conflicts_with = "ratelimits")]
    pub no_ratelimits: bool,
    /// Stop metering: remove the credits.
    #[arg(long, conflicts_with = "credits")]
    pub no_credits: bool,
}

impl LimitArgs {
    pub fn credits_spec(&self) -> anyhow::Result<Option<CreditsSpec>> {
        let Some(remaining) = self.credits else {
            return Ok(None);
        };
        let refill = match &self.refill {
            Some(r) => {
                let (interval, day) = match r.split_once(':') {
                    Some(("monthly", day)) => ("monthly".to_owned(), Some(day.parse::<u8>()?)),
                    _ if r == "daily" || r == "monthly" => (r.clone(), None),
                    _ => (
                        format!("{}ms", parse_duration_ms(r).map_err(anyhow::Error::msg)?),
                        None,
                    ),
                };
                Some(RefillView {
                    interval,
                    amount: self.refill_amount.unwrap_or(remaining),
                    day,
                })
            }
            None => None,
        };
        Ok(Some(CreditsSpec { remaining, refill }))
    }
}

impl LimitChangeArgs {
    pub fn ratelimits(&self) -> Option<Vec<RateLimitSpec>> {
        if self.no_ratelimits {
            Some(Vec::new())
        } else if self.set.ratelimits.is_empty() {
            None
        } else {
            Some(self.set.ratelimits.clone())
        }
    }

    pub fn credits(&self) -> anyhow::Result<Option<Option<CreditsSpec>>> {
        if self.no_credits {
            return Ok(Some(None));
        }
        Ok(self.set.credits_spec()?.map(Some))
    }
}

fn parse_ratelimit(s: &str) -> Result<RateLimitSpec, String> {
    RateLimitSpec::parse_short(s)
}

/// `--add N` or `--set N`.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub struct AdjustArgs {
    /// Credits to add to what remains.
    #[arg(long)]
    pub add: Option<u64>,
    /// What remains from now on.
    #[arg(long)]
    pub set: Option<u64>,
}

impl AdjustArgs {
    pub fn body(&self) -> AdjustCredits {
        AdjustCredits {
            add: self.add,
            set: self.set,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_people_write_them() {
        let l = parse_ratelimit("requests=100/1m").unwrap();
        assert_eq!(
            (l.name.as_str(), l.limit, l.duration_ms),
            ("requests", 100, 60_000)
        );
        assert_eq!(parse_duration_ms("1500ms").unwrap(), 1500);
        assert_eq!(parse_duration_ms("2h").unwrap(), 7_200_000);
        assert!(parse_ratelimit("requests=100").is_err());
        assert!(parse_duration_ms("3w").is_err());
        let args = LimitArgs {
            credits: Some(500),
            refill: Some("monthly:15".into()),
            ..LimitArgs::default()
        };
        let spec = args.credits_spec().unwrap().unwrap();
        let refill = spec.refill.unwrap();
        assert_eq!(
            (refill.interval.as_str(), refill.amount, refill.day),
            ("monthly", 500, Some(15))
        );
        let hourly = LimitArgs {
            credits: Some(5),
            refill: Some("1h".into()),
            refill_amount: Some(10),
            ..LimitArgs::default()
        };
        let refill = hourly.credits_spec().unwrap().unwrap().refill.unwrap();
        assert_eq!((refill.interval.as_str(), refill.amount), ("3600000ms", 10));
    }
}
