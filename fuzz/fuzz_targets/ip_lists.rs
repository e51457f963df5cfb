//! IP and CIDR allowlists as the API and CLI take them: never a panic, and what parses
//! round-trips through its canonical text.
#![no_main]

use keyward_core::IpAllowList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(list) = IpAllowList::parse_comma_separated(s) {
        let again = IpAllowList::parse(list.to_strings()).expect("canonical text parses");
        assert_eq!(again.to_strings(), list.to_strings());
        for probe in ["10.0.0.1", "::1", "192.168.1.255", "2001:db8::1"] {
            let ip = probe.parse().unwrap();
            assert_eq!(list.allows(ip), again.allows(ip));
        }
    }
    let items: Vec<&str> = s.split('\n').collect();
    let _ = IpAllowList::parse(items);
});
