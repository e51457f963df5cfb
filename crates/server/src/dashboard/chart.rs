//! Usage drawn on the server as SVG: verifications per day, allowed stacked on denied, with
//! dated and counted axes and each day's figures on hover (`<title>`), so a spike shows at a
//! glance without any script or external asset.

use std::fmt::Write as _;

use keyward_core::VerifyCode;
use keyward_store::UsageSeriesPoint;
use time::{Date, Duration, OffsetDateTime};

/// Left margin (count labels), bottom margin (date labels), plot height, day slot width.
const LEFT: i64 = 44;
const BOTTOM: i64 = 18;
const TOP: i64 = 8;
const PLOT: i64 = 110;
const SLOT: i64 = 14;

/// The last `days` days as a stacked bar chart with its legend, or a sentence saying there is
/// nothing to draw.
pub fn daily(series: &[UsageSeriesPoint], now: OffsetDateTime, days: i64) -> String {
    let today = now.date();
    let first = today - Duration::days(days - 1);
    let mut allowed = vec![0i64; days as usize];
    let mut denied = vec![0i64; days as usize];
    for p in series {
        let day = (p.hour.date() - first).whole_days();
        if !(0..days).contains(&day) {
            continue;
        }
        for (code, n) in &p.counts {
            let column = if *code == VerifyCode::Valid {
                &mut allowed
            } else {
                &mut denied
            };
            column[day as usize] += n;
        }
    }
    let total_allowed: i64 = allowed.iter().sum();
    let total_denied: i64 = denied.iter().sum();
    if total_allowed + total_denied == 0 {
        return format!("<p class=\"empty-chart\">No verifications in the last {days} days.</p>");
    }
    let peak = allowed.iter().zip(&denied).map(|(a, d)| a + d).max().unwrap_or(0);
    let top = nice_ceiling(peak);
    let (w, h) = (LEFT + days * SLOT + 4, TOP + PLOT + BOTTOM);
    let y = |n: i64| TOP + PLOT - n * PLOT / top;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Verifications per day, last {days} days: \
         {total_allowed} allowed, {total_denied} denied\"><title>Verifications per day, last {days} days: \
         {total_allowed} allowed, {total_denied} denied</title>"
    );
    // The count axis: 0, half and the top, with faint grid lines.
    for n in [0, top / 2, top] {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{w}\" y1=\"{0}\" y2=\"{0}\"/>\
             <text class=\"axis\" x=\"{1}\" y=\"{2}\" text-anchor=\"end\">{n}</text>",
            y(n),
            LEFT - 4,
            y(n) + 3
        );
    }
    for i in 0..days {
        let (a, d) = (allowed[i as usize], denied[i as usize]);
        let x = LEFT + i * SLOT + 2;
        let date = first + Duration::days(i);
        let _ = write!(
            svg,
            // Denied at the bottom, allowed stacked on it.
            "<g><title>{}: {a} allowed, {d} denied</title>\
             <rect class=\"allowed\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
             <rect class=\"denied\" x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\"/></g>",
            iso(date),
            y(a + d),
            SLOT - 3,
            y(d) - y(a + d),
            y(d),
            SLOT - 3,
            y(0) - y(d),
        );
        // A date under today and every seventh day before it.
        if (days - 1 - i) % 7 == 0 {
            let _ = write!(
                svg,
                "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + (SLOT - 3) / 2,
                h - 4,
                short(date)
            );
        }
    }
    svg.push_str("</svg>");
    format!(
        "{svg}<p class=\"legend\"><span class=\"swatch allowed\"></span> allowed ({total_allowed}) \
         <span class=\"swatch denied\"></span> denied ({total_denied})</p>"
    )
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `n`, so the axis reads in round numbers.
fn nice_ceiling(n: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= n.max(2) {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn iso(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn short(d: Date) -> String {
    let month = &format!("{}", d.month())[..3];
    format!("{month} {}", d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn point(at: OffsetDateTime, code: VerifyCode, n: i64) -> UsageSeriesPoint {
        UsageSeriesPoint {
            hour: at,
            counts: vec![(code, n)],
            distinct_ips: 1,
        }
    }

    #[test]
    fn axes_stacks_titles_and_the_empty_state() {
        let now = datetime!(2026-12-04 15:00 UTC);
        assert!(daily(&[], now, 30).contains("No verifications in the last 30 days"));
        let series = [
            point(datetime!(2026-12-04 09:00 UTC), VerifyCode::Valid, 30),
            point(datetime!(2026-12-04 10:00 UTC), VerifyCode::Revoked, 7),
            point(datetime!(2026-11-20 10:00 UTC), VerifyCode::Valid, 5),
            point(datetime!(2026-10-01 10:00 UTC), VerifyCode::Valid, 999),
        ];
        let svg = daily(&series, now, 30);
        assert!(
            svg.contains("<title>2026-12-04: 30 allowed, 7 denied</title>"),
            "{svg}"
        );
        assert!(svg.contains("<title>2026-11-20: 5 allowed, 0 denied</title>"));
        assert!(
            svg.contains(">50</text>"),
            "the count axis tops at a round 50: {svg}"
        );
        assert!(
            svg.contains(">Nov 27</text>") && svg.contains(">Dec 4</text>"),
            "{svg}"
        );
        assert!(!svg.contains(">Dec 3</text>"), "labels a week apart");
        assert!(svg.contains("allowed (35)") && svg.contains("denied (7)"));
        assert_eq!(
            [1, 2, 5, 10, 20, 50, 100].map(nice_ceiling),
            [2, 2, 5, 10, 20, 50, 100]
        );
    }
}
