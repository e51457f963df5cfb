//! Usage drawn on the server as SVG: verifications per day, allowed over denied, so a spike
//! shows at a glance without any script.

use std::fmt::Write as _;

use keyward_core::VerifyCode;
use keyward_store::UsageSeriesPoint;
use time::{Duration, OffsetDateTime};

/// A bar chart of the last `days` days: allowed (dark) stacked on denied (red).
pub fn daily_svg(series: &[UsageSeriesPoint], now: OffsetDateTime, days: i64) -> String {
    let today = now.replace_time(time::Time::MIDNIGHT);
    let first = today - Duration::days(days - 1);
    let mut allowed = vec![0i64; days as usize];
    let mut denied = vec![0i64; days as usize];
    for p in series {
        let day = (p.hour.replace_time(time::Time::MIDNIGHT) - first).whole_days();
        if !(0..days).contains(&day) {
            continue;
        }
        for (code, n) in &p.counts {
            if *code == VerifyCode::Valid {
                allowed[day as usize] += n;
            } else {
                denied[day as usize] += n;
            }
        }
    }
    let max = allowed
        .iter()
        .zip(&denied)
        .map(|(a, d)| a + d)
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, bar) = (days * 12, 120i64, 10i64);
    let mut svg = String::new();
    let total_allowed: i64 = allowed.iter().sum();
    let total_denied: i64 = denied.iter().sum();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Verifications per day, last {days} days: \
         {total_allowed} allowed, {total_denied} denied\"><title>Verifications per day: {total_allowed} allowed, {total_denied} denied</title>"
    );
    for i in 0..days as usize {
        let x = i as i64 * 12 + 1;
        let ha = allowed[i] * (h - 10) / max;
        let hd = denied[i] * (h - 10) / max;
        let date = first + Duration::days(i as i64);
        let label = format!(
            "{}-{:02}-{:02}: {} allowed, {} denied",
            date.year(),
            date.month() as u8,
            date.day(),
            allowed[i],
            denied[i]
        );
        let _ = write!(
            svg,
            "<g><title>{label}</title><rect class=\"allowed\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{ha}\"/>\
             <rect class=\"denied\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{hd}\"/></g>",
            h - ha - hd,
            h - hd
        );
    }
    svg.push_str("</svg>");
    svg
}
