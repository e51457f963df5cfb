//! IP allow lists: addresses or CIDR ranges, IPv4 and IPv6. An empty list allows every address.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpAllowList(Vec<IpNet>);

/// Most entries one list may hold.
pub const MAX_ENTRIES: usize = 256;

/// The network an address belongs to for monitoring: its /24 (IPv4) or /48 (IPv6), the usual
/// size of one site or provider allocation. IPv4-mapped IPv6 addresses count as IPv4.
pub fn network_of(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    let net = match ip {
        IpAddr::V4(_) => IpNet::new(ip, 24),
        IpAddr::V6(_) => IpNet::new(ip, 48),
    };
    net.map(|n| n.trunc().to_string())
        .unwrap_or_else(|_| ip.to_string())
}

impl IpAllowList {
    /// Parses addresses (`203.0.113.7`, `2001:db8::1`) and ranges (`10.0.0.0/8`). Blank entries
    /// are skipped, so a trailing comma in a form is harmless.
    pub fn parse<I, S>(items: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        const NOT_AN_ADDRESS: &str =
            "is not an IP address or CIDR range (examples: 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)";
        let parsed = crate::input::entries(items, |s| {
            if s.is_empty() {
                return Ok(None);
            }
            if !s.contains('/') {
                let addr = IpAddr::from_str(s).map_err(|_| NOT_AN_ADDRESS)?;
                return Ok(Some(IpNet::from(addr)));
            }
            let net = IpNet::from_str(s).map_err(|_| NOT_AN_ADDRESS)?;
            if net.trunc() != net {
                return Err(format!(
                    "has host bits set after the prefix length; did you mean {}?",
                    net.trunc()
                ));
            }
            Ok(Some(net))
        })?;
        let mut nets = Vec::new();
        for net in parsed {
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        if nets.len() > MAX_ENTRIES {
            return Err(format!("an allow list holds at most {MAX_ENTRIES} entries"));
        }
        Ok(Self(nets))
    }

    /// Parses the comma-separated form used in forms and the CLI.
    pub fn parse_comma_separated(s: &str) -> Result<Self, String> {
        Self::parse(s.split(','))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` may pass. IPv4-mapped IPv6 addresses match IPv4 ranges.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Canonical text of every entry: a single address without its `/32` or `/128`.
    pub fn to_strings(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|n| {
                if n.prefix_len() == n.max_prefix_len() {
                    n.addr().to_string()
                } else {
                    n.to_string()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_for_monitoring() {
        assert_eq!(network_of("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(
            network_of("::ffff:203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
        assert_eq!(network_of("2001:db8:1:2::9".parse().unwrap()), "2001:db8:1::/48");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn empty_allows_all() {
        assert!(IpAllowList::default().allows(ip("203.0.113.7")));
        assert!(IpAllowList::parse([" ", ""]).unwrap().is_empty());
    }

    #[test]
    fn addresses_and_ranges_v4_v6() {
        let l = IpAllowList::parse_comma_separated("203.0.113.7, 10.0.0.0/8,2001:db8::/32").unwrap();
        assert!(l.allows(ip("203.0.113.7")));
        assert!(!l.allows(ip("203.0.113.8")));
        assert!(l.allows(ip("10.200.3.4")));
        assert!(l.allows(ip("2001:db8::1")));
        assert!(!l.allows(ip("2001:db9::1")));
        assert!(
            l.allows(ip("::ffff:10.1.2.3")),
            "IPv4-mapped IPv6 matches IPv4 ranges"
        );
        assert_eq!(l.to_strings(), vec!["203.0.113.7", "10.0.0.0/8", "2001:db8::/32"]);
    }

    #[test]
    fn precise_errors() {
        let e = IpAllowList::parse(["10.0.0.1", "300.1.1.1"]).unwrap_err();
        assert!(e.contains("entry 2 is not an IP address"), "{e}");
        assert!(!e.contains("300.1.1.1"), "the value is never echoed: {e}");
        let e = IpAllowList::parse(["10.0.0.1/8"]).unwrap_err();
        assert!(e.contains("did you mean 10.0.0.0/8"), "{e}");
        assert!(IpAllowList::parse(["10.0.0.0/33"]).is_err());
        assert!(IpAllowList::parse(["example.com"]).is_err());
    }
}

/// Addresses a webhook must not reach unless the operator allows them: loopback, unspecified,
/// private, shared (CGNAT), link-local (cloud metadata lives there), unique-local, multicast and
/// broadcast — IPv4 inside IPv6 judged as IPv4.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod internal_tests {
    use super::*;

    #[test]
    fn internal_destinations() {
        for s in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(s.parse().unwrap()), "{s}");
        }
        for s in [
            "203.0.113.7",
            "8.8.8.8",
            "2001:db8::1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_internal(s.parse().unwrap()), "{s}");
        }
    }
}
