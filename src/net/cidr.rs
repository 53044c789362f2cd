//! IPv4 CIDR helpers on [`ipnet::Ipv4Net`].
//!
//! Parsing is strict on purpose: a range with host bits set (`10.0.0.1/16`) is almost always a typo, and Azure
//! rejects it late (after minutes of deployment) or silently truncates it, so we refuse it up front.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use thiserror::Error;

/// Ranges AKS forbids for VNet, pod and service ranges (AKS docs `concepts-network-cni-overview`).
pub const RESERVED: [Ipv4Net; 4] = [
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(172, 30, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(172, 31, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
];

/// Why a CIDR or address could not be parsed. Every message says what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CidrError {
    #[error("empty value: expected an IPv4 CIDR such as 10.0.0.0/16")]
    Empty,
    #[error("{text:?} is an IPv6 value; only IPv4 is supported, e.g. 10.0.0.0/16")]
    Ipv6 { text: String },
    #[error("{text:?} has no prefix length; write it as a CIDR such as {text}/16")]
    MissingPrefixLength { text: String },
    #[error("{text:?} is not a valid IPv4 address; expected four decimal numbers 0-255 without leading zeros, e.g. 10.0.0.0")]
    InvalidAddress { text: String },
    #[error("{text:?} has an invalid prefix length; expected a decimal number from 0 to 32 after the '/', e.g. 10.0.0.0/16")]
    InvalidPrefixLength { text: String },
    #[error("{text} has host bits set; did you mean {network}?")]
    HostBitsSet { text: String, network: Ipv4Net },
}

/// Parses an IPv4 CIDR such as `10.0.0.0/16`, refusing IPv6, surrounding whitespace, a missing or malformed
/// prefix length, and host bits set.
pub fn parse_cidr(text: &str) -> Result<Ipv4Net, CidrError> {
    if text.is_empty() {
        return Err(CidrError::Empty);
    }
    if text.contains(':') {
        return Err(CidrError::Ipv6 {
            text: text.to_string(),
        });
    }
    let Some((address_text, prefix_text)) = text.split_once('/') else {
        // Tell "an address without a prefix" apart from plain junk so the hint fits.
        return match parse_ip(text) {
            Ok(_) => Err(CidrError::MissingPrefixLength {
                text: text.to_string(),
            }),
            Err(error) => Err(error),
        };
    };
    let address = address_text
        .parse::<Ipv4Addr>()
        .map_err(|_| CidrError::InvalidAddress {
            text: text.to_string(),
        })?;
    let prefix_length =
        parse_prefix_length(prefix_text).ok_or_else(|| CidrError::InvalidPrefixLength {
            text: text.to_string(),
        })?;
    let network =
        Ipv4Net::new(address, prefix_length).map_err(|_| CidrError::InvalidPrefixLength {
            text: text.to_string(),
        })?;
    if network.trunc() != network {
        return Err(CidrError::HostBitsSet {
            text: text.to_string(),
            network: network.trunc(),
        });
    }
    Ok(network)
}

/// Only plain decimal 0..=32: no sign, no leading zeros, no whitespace (the std parser accepts `+16`).
fn parse_prefix_length(text: &str) -> Option<u8> {
    let is_canonical = !text.is_empty()
        && text.len() <= 2
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && !(text.len() > 1 && text.starts_with('0'));
    if !is_canonical {
        return None;
    }
    let value: u8 = text.parse().ok()?;
    (value <= 32).then_some(value)
}

/// Parses a dotted-quad IPv4 address such as `10.96.0.10`.
pub fn parse_ip(text: &str) -> Result<Ipv4Addr, CidrError> {
    if text.is_empty() {
        return Err(CidrError::Empty);
    }
    if text.contains(':') {
        return Err(CidrError::Ipv6 {
            text: text.to_string(),
        });
    }
    text.parse::<Ipv4Addr>()
        .map_err(|_| CidrError::InvalidAddress {
            text: text.to_string(),
        })
}

/// First address of the range as a number (host bits ignored).
pub(crate) fn start(network: Ipv4Net) -> u64 {
    u64::from(u32::from(network.network()))
}

/// Last address of the range as a number (host bits ignored).
pub(crate) fn end(network: Ipv4Net) -> u64 {
    u64::from(u32::from(network.broadcast()))
}

/// Whether the two ranges share at least one address.
pub fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    start(a) <= end(b) && start(b) <= end(a)
}

/// Whether every address of `inner` lies in `outer`.
pub fn contains(outer: Ipv4Net, inner: Ipv4Net) -> bool {
    start(outer) <= start(inner) && end(inner) <= end(outer)
}

/// The first reserved range that `network` overlaps, if any.
pub fn reserved_overlap(network: Ipv4Net) -> Option<Ipv4Net> {
    RESERVED
        .iter()
        .copied()
        .find(|reserved| overlaps(network, *reserved))
}

/// Why an address cannot be the cluster DNS service IP of a service range. Every message names a
/// usable address (or says the range is too small).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsServiceIpError {
    #[error("dnsServiceIP {ip} is outside serviceCidr {service_cidr}; choose an address inside it, e.g. {suggestion}")]
    Outside {
        ip: Ipv4Addr,
        service_cidr: Ipv4Net,
        suggestion: String,
    },
    #[error("dnsServiceIP {ip} is the network (first) address of serviceCidr {service_cidr}; choose another address inside it, e.g. {suggestion}")]
    NetworkAddress {
        ip: Ipv4Addr,
        service_cidr: Ipv4Net,
        suggestion: String,
    },
    #[error("dnsServiceIP {ip} is the broadcast (last) address of serviceCidr {service_cidr}; choose another address inside it, e.g. {suggestion}")]
    BroadcastAddress {
        ip: Ipv4Addr,
        service_cidr: Ipv4Net,
        suggestion: String,
    },
    #[error("dnsServiceIP {ip} is the first usable address of serviceCidr {service_cidr}, which the kubernetes service (kubernetes.default) takes; choose another address inside it, e.g. {suggestion}")]
    KubernetesServiceAddress {
        ip: Ipv4Addr,
        service_cidr: Ipv4Net,
        suggestion: String,
    },
}

/// Checks that `ip` can be the cluster DNS service IP of `service_cidr`: inside it, and neither its network
/// (first) address, nor its broadcast (last) address, nor the first usable address, which Kubernetes
/// gives the `kubernetes` service (Learn, azure-cni-overlay: "Don't use the first IP address in your
/// address range, such as .1 … used for the kubernetes.default.svc.cluster.local address").
pub fn check_dns_service_ip(service_cidr: Ipv4Net, ip: Ipv4Addr) -> Result<(), DnsServiceIpError> {
    let service_network = service_cidr.trunc();
    let suggestion = || suggested_dns_ip(service_network);
    if !service_network.contains(&ip) {
        return Err(DnsServiceIpError::Outside {
            ip,
            service_cidr: service_network,
            suggestion: suggestion(),
        });
    }
    if ip == service_network.network() {
        return Err(DnsServiceIpError::NetworkAddress {
            ip,
            service_cidr: service_network,
            suggestion: suggestion(),
        });
    }
    if ip == service_network.broadcast() {
        return Err(DnsServiceIpError::BroadcastAddress {
            ip,
            service_cidr: service_network,
            suggestion: suggestion(),
        });
    }
    if u64::from(u32::from(ip)) == start(service_network) + 1 {
        return Err(DnsServiceIpError::KubernetesServiceAddress {
            ip,
            service_cidr: service_network,
            suggestion: suggestion(),
        });
    }
    Ok(())
}

/// The conventional `.10` address when the range is large enough, otherwise the first address
/// after the kubernetes service's.
fn suggested_dns_ip(service_network: Ipv4Net) -> String {
    let first = start(service_network);
    let last = end(service_network);
    let candidate = if first + 10 < last {
        first + 10
    } else {
        first + 2
    };
    if candidate < last {
        u32::try_from(candidate)
            .map(|value| Ipv4Addr::from(value).to_string())
            .unwrap_or_else(|_| "an address between the first and the last".to_string())
    } else {
        "none: the range is too small, use /28 or larger".to_string()
    }
}

/// Whether `new` replaces `old` by expanding it in place: `new` contains `old` and has a shorter prefix.
/// This is the only pod CIDR change AKS allows for Azure CNI Overlay (AKS docs `azure-cni-overlay-pod-expand`).
pub fn is_expansion(old: Ipv4Net, new: Ipv4Net) -> bool {
    new.prefix_len() < old.prefix_len() && contains(new, old)
}

/// Every pair of ranges that overlap, as `(earlier index, later index)` in input order.
pub fn find_overlaps(ranges: &[Ipv4Net]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (first, first_range) in ranges.iter().enumerate() {
        for (offset, second_range) in ranges[first + 1..].iter().enumerate() {
            if overlaps(*first_range, *second_range) {
                pairs.push((first, first + 1 + offset));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv4Net {
        text.parse().unwrap()
    }

    #[test]
    fn parse_cidr_accepts_canonical_ranges() {
        assert_eq!(parse_cidr("10.0.0.0/8"), Ok(net("10.0.0.0/8")));
        assert_eq!(parse_cidr("0.0.0.0/0"), Ok(net("0.0.0.0/0")));
        assert_eq!(parse_cidr("10.96.0.10/32"), Ok(net("10.96.0.10/32")));
    }

    #[test]
    fn parse_cidr_rejects_host_bits_with_a_suggestion() {
        let error = parse_cidr("10.0.0.1/16").unwrap_err();
        assert_eq!(
            error,
            CidrError::HostBitsSet {
                text: "10.0.0.1/16".to_string(),
                network: net("10.0.0.0/16")
            }
        );
        assert_eq!(
            error.to_string(),
            "10.0.0.1/16 has host bits set; did you mean 10.0.0.0/16?"
        );
    }

    #[test]
    fn parse_cidr_rejects_ipv6() {
        let error = parse_cidr("fd00::/8").unwrap_err();
        assert!(matches!(error, CidrError::Ipv6 { .. }));
        assert!(error.to_string().contains("only IPv4"));
    }

    #[test]
    fn parse_cidr_rejects_junk() {
        for junk in [
            "",
            "junk",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "10.0.0.0/-1",
            "10.0.0/8",
            "010.0.0.0/8",
            "10.0.0.256/8",
            " 10.0.0.0/8",
            "10.0.0.0/8 ",
            "10.0.0.0/8/8",
            "10.0.0.0/100",
        ] {
            assert!(parse_cidr(junk).is_err(), "{junk:?} was accepted");
        }
    }

    #[test]
    fn parse_cidr_explains_a_missing_prefix_length() {
        let error = parse_cidr("10.0.0.0").unwrap_err();
        assert!(matches!(error, CidrError::MissingPrefixLength { .. }));
        assert!(error.to_string().contains("10.0.0.0/16"));
    }

    #[test]
    fn parse_ip_accepts_addresses_and_rejects_junk() {
        assert_eq!(parse_ip("10.96.0.10"), Ok(Ipv4Addr::new(10, 96, 0, 10)));
        assert!(matches!(parse_ip("::1"), Err(CidrError::Ipv6 { .. })));
        assert!(matches!(parse_ip(""), Err(CidrError::Empty)));
        for junk in ["10.96.0", "10.96.0.10/32", "010.96.0.10", "dns"] {
            assert!(
                matches!(parse_ip(junk), Err(CidrError::InvalidAddress { .. })),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn overlaps_is_symmetric_and_detects_nesting_and_adjacency() {
        assert!(overlaps(net("10.0.0.0/14"), net("10.1.0.0/16")));
        assert!(overlaps(net("10.1.0.0/16"), net("10.0.0.0/14")));
        assert!(overlaps(net("10.0.0.0/16"), net("10.0.0.0/16")));
        assert!(!overlaps(net("10.0.0.0/16"), net("10.1.0.0/16")));
        assert!(!overlaps(net("10.0.0.0/14"), net("10.4.0.0/14")));
        assert!(overlaps(net("0.0.0.0/0"), net("255.255.255.255/32")));
    }

    #[test]
    fn contains_requires_every_address() {
        assert!(contains(net("10.0.0.0/14"), net("10.1.0.0/16")));
        assert!(contains(net("10.0.0.0/14"), net("10.0.0.0/14")));
        assert!(!contains(net("10.1.0.0/16"), net("10.0.0.0/14")));
        assert!(!contains(net("10.0.0.0/14"), net("10.4.0.0/16")));
    }

    #[test]
    fn reserved_overlap_finds_each_reserved_range() {
        assert_eq!(
            reserved_overlap(net("169.254.169.0/24")),
            Some(net("169.254.0.0/16"))
        );
        assert_eq!(
            reserved_overlap(net("172.16.0.0/12")),
            Some(net("172.30.0.0/16"))
        );
        assert_eq!(
            reserved_overlap(net("172.31.128.0/17")),
            Some(net("172.31.0.0/16"))
        );
        assert_eq!(
            reserved_overlap(net("192.0.0.0/16")),
            Some(net("192.0.2.0/24"))
        );
        assert_eq!(reserved_overlap(net("10.0.0.0/8")), None);
        assert_eq!(reserved_overlap(net("172.29.0.0/16")), None);
        assert_eq!(reserved_overlap(net("192.0.3.0/24")), None);
    }

    #[test]
    fn dns_service_ip_must_be_inside_the_service_range() {
        let service = net("10.96.0.0/16");
        assert_eq!(
            check_dns_service_ip(service, Ipv4Addr::new(10, 96, 0, 10)),
            Ok(())
        );
        let error = check_dns_service_ip(service, Ipv4Addr::new(10, 0, 0, 10)).unwrap_err();
        assert!(
            matches!(error, DnsServiceIpError::Outside { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "dnsServiceIP 10.0.0.10 is outside serviceCidr 10.96.0.0/16; choose an address inside it, e.g. 10.96.0.10"
        );
    }

    #[test]
    fn dns_service_ip_must_not_be_the_network_address() {
        let error =
            check_dns_service_ip(net("10.96.0.0/16"), Ipv4Addr::new(10, 96, 0, 0)).unwrap_err();
        assert!(
            matches!(error, DnsServiceIpError::NetworkAddress { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "dnsServiceIP 10.96.0.0 is the network (first) address of serviceCidr 10.96.0.0/16; choose another address inside it, e.g. 10.96.0.10"
        );
    }

    #[test]
    fn dns_service_ip_must_not_be_the_broadcast_address() {
        let error =
            check_dns_service_ip(net("10.96.0.0/16"), Ipv4Addr::new(10, 96, 255, 255)).unwrap_err();
        assert!(
            matches!(error, DnsServiceIpError::BroadcastAddress { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "dnsServiceIP 10.96.255.255 is the broadcast (last) address of serviceCidr 10.96.0.0/16; choose another address inside it, e.g. 10.96.0.10"
        );
        let error =
            check_dns_service_ip(net("10.96.0.0/31"), Ipv4Addr::new(10, 96, 0, 1)).unwrap_err();
        assert!(error.to_string().contains("too small"), "{error}");
    }

    /// The first usable address belongs to `kubernetes.default`; small ranges never suggest it.
    #[test]
    fn dns_service_ip_must_not_be_the_kubernetes_service_address() {
        let rows = [
            (
                "10.96.0.0/16",
                Ipv4Addr::new(10, 96, 0, 1),
                "e.g. 10.96.0.10",
            ),
            (
                "10.96.0.0/29",
                Ipv4Addr::new(10, 96, 0, 1),
                "e.g. 10.96.0.2",
            ),
            (
                "192.168.4.0/22",
                Ipv4Addr::new(192, 168, 4, 1),
                "e.g. 192.168.4.10",
            ),
        ];
        for (range, ip, suggestion) in rows {
            let error = check_dns_service_ip(net(range), ip).unwrap_err();
            assert!(
                matches!(error, DnsServiceIpError::KubernetesServiceAddress { .. }),
                "{range}: {error:?}"
            );
            let text = error.to_string();
            assert!(text.contains("first usable address"), "{text}");
            assert!(text.contains("kubernetes service"), "{text}");
            assert!(text.ends_with(suggestion), "{text}");
        }
        assert_eq!(
            check_dns_service_ip(net("10.96.0.0/29"), Ipv4Addr::new(10, 96, 0, 2)),
            Ok(())
        );
    }

    #[test]
    fn expansion_must_contain_the_old_range_with_a_shorter_prefix() {
        assert!(is_expansion(net("10.32.0.0/13"), net("10.32.0.0/12")));
        assert!(is_expansion(net("10.40.0.0/13"), net("10.32.0.0/11")));
        assert!(!is_expansion(net("10.32.0.0/13"), net("10.32.0.0/13")));
        assert!(!is_expansion(net("10.32.0.0/12"), net("10.32.0.0/13")));
        assert!(!is_expansion(net("10.32.0.0/13"), net("10.64.0.0/12")));
    }

    #[test]
    fn find_overlaps_reports_every_pair_in_order() {
        let ranges = [
            net("10.0.0.0/14"),
            net("10.4.0.0/14"),
            net("10.1.0.0/16"),
            net("10.0.0.0/8"),
        ];
        assert_eq!(find_overlaps(&ranges), [(0, 2), (0, 3), (1, 3), (2, 3)]);
        assert!(find_overlaps(&ranges[..2]).is_empty());
    }
}
