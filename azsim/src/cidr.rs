//! Address-range helpers, independent of the provider's own CIDR code.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::arm::ArmError;

/// Why a prefix string is not usable.
#[derive(Debug, PartialEq, Eq)]
pub enum PrefixProblem {
    /// Not `address/length` at all.
    Malformed,
    /// Host bits set: carries the prefix it should have been.
    NotCanonical(IpNet),
}

pub fn parse_prefix(text: &str) -> Result<IpNet, PrefixProblem> {
    let net: IpNet = text.trim().parse().map_err(|_| PrefixProblem::Malformed)?;
    let canonical = net.trunc();
    if canonical != net {
        return Err(PrefixProblem::NotCanonical(canonical));
    }
    Ok(net)
}

/// Parses a Network RP address prefix, with NRP's error codes.
pub fn parse_network_prefix(text: &str, owner: &str) -> Result<IpNet, ArmError> {
    parse_prefix(text).map_err(|problem| match problem {
        PrefixProblem::Malformed => ArmError::bad_request(
            "InvalidAddressPrefixFormat",
            format!("Address prefix '{text}' of resource {owner} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24."),
        ),
        PrefixProblem::NotCanonical(canonical) => ArmError::bad_request(
            "InvalidCIDRNotation",
            format!("The address prefix {text} in resource {owner} has an invalid CIDR notation. For the given prefix length, the address prefix should be {canonical}."),
        ),
    })
}

pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    match (a, b) {
        (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_)) => {
            a.contains(&b.network()) || b.contains(&a.network())
        }
        _ => false,
    }
}

/// The first pair (a from `left`, b from `right`) that overlaps.
pub fn first_overlap(left: &[IpNet], right: &[IpNet]) -> Option<(IpNet, IpNet)> {
    left.iter()
        .flat_map(|a| right.iter().map(move |b| (*a, *b)))
        .find(|(a, b)| overlaps(a, b))
}

/// `inner` lies entirely inside `outer`.
pub fn within(inner: &IpNet, outer: &IpNet) -> bool {
    outer.contains(inner)
}

/// The `n`th address of a network (0 = the network address).
pub fn nth_address(net: &IpNet, n: u32) -> Option<IpAddr> {
    match net {
        IpNet::V4(v4) => u32::from(v4.network())
            .checked_add(n)
            .map(|a| IpAddr::V4(a.into())),
        IpNet::V6(v6) => u128::from(v6.network())
            .checked_add(u128::from(n))
            .map(|a| IpAddr::V6(a.into())),
    }
}

/// Ranges AKS reserves for itself (AKS docs `concepts-network-cni-overview`).
pub fn aks_reserved() -> Vec<IpNet> {
    [
        "169.254.0.0/16",
        "172.30.0.0/16",
        "172.31.0.0/16",
        "192.0.2.0/24",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect()
}

/// Parses a list of prefixes from a JSON array of strings.
pub fn prefixes_of(values: &[serde_json::Value]) -> Vec<IpNet> {
    values
        .iter()
        .filter_map(|v| v.as_str())
        .filter_map(|s| parse_prefix(s).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_host_bits_and_overlap() {
        assert_eq!(
            parse_prefix("10.0.0.0/16").unwrap().to_string(),
            "10.0.0.0/16"
        );
        assert!(matches!(
            parse_prefix("10.0.0.1/16"),
            Err(PrefixProblem::NotCanonical(_))
        ));
        assert_eq!(parse_prefix("nonsense"), Err(PrefixProblem::Malformed));
        let a = parse_prefix("10.0.0.0/14").unwrap();
        let b = parse_prefix("10.3.0.0/16").unwrap();
        let c = parse_prefix("10.4.0.0/16").unwrap();
        assert!(overlaps(&a, &b) && overlaps(&b, &a));
        assert!(!overlaps(&a, &c));
        assert!(within(&b, &a));
        assert_eq!(nth_address(&b, 10).unwrap().to_string(), "10.3.0.10");
    }
}
