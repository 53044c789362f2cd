//! Cross-region traffic as one-way flows between validated regions: per pair as given, or a total split evenly.

use super::arguments::{Arguments, PairTraffic};
use super::validate::{non_negative, Region};
use crate::property::join_index;
use crate::resource::CheckFailure;

/// Traffic one way from one region entry to another.
#[derive(Debug, Clone)]
pub(super) struct Flow {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) gb: f64,
}

pub(super) fn flows(
    arguments: &Arguments,
    regions: &[Region],
    failures: &mut Vec<CheckFailure>,
    notes: &mut Vec<String>,
) -> Vec<Flow> {
    let total = non_negative(
        arguments.cross_region_traffic_gb_per_month,
        "crossRegionTrafficGbPerMonth",
        failures,
    );
    if let Some(pairs) = &arguments.pair_traffic {
        if total > 0.0 {
            failures.push(CheckFailure::new(
                "crossRegionTrafficGbPerMonth",
                "give either crossRegionTrafficGbPerMonth (split evenly) or pairTraffic (per pair), not both",
            ));
        }
        return pair_flows(pairs, regions, failures);
    }
    even_flows(total, regions.len(), notes)
}

/// One flow per `pairTraffic` entry whose regions are both among `regions`.
fn pair_flows(
    pairs: &[PairTraffic],
    regions: &[Region],
    failures: &mut Vec<CheckFailure>,
) -> Vec<Flow> {
    let find = |name: &str, path: String, failures: &mut Vec<CheckFailure>| {
        let wanted = crate::regions::canonical(name);
        let found = regions.iter().position(|r| r.location == wanted);
        if found.is_none() {
            let known: Vec<_> = regions.iter().map(|r| r.location.as_str()).collect();
            failures.push(CheckFailure::new(
                path,
                format!(
                    "'{name}' is not one of the regions ({}); name a location from `regions`",
                    known.join(", ")
                ),
            ));
        }
        found
    };
    let mut result = Vec::new();
    for (i, pair) in pairs.iter().enumerate() {
        let base = join_index("pairTraffic", i);
        let from = find(&pair.from, format!("{base}.from"), failures);
        let to = find(&pair.to, format!("{base}.to"), failures);
        let gb = non_negative(
            Some(pair.gb_per_month),
            &format!("{base}.gbPerMonth"),
            failures,
        );
        if let (Some(from), Some(to)) = (from, to) {
            result.push(Flow { from, to, gb });
        }
    }
    result
}

/// `total` GB split evenly over every ordered pair of the `n` regions.
fn even_flows(total: f64, n: usize, notes: &mut Vec<String>) -> Vec<Flow> {
    if total == 0.0 {
        return Vec::new();
    }
    if n < 2 {
        notes.push(
            "crossRegionTrafficGbPerMonth is ignored: with one region there is no cross-region traffic"
                .to_string(),
        );
        return Vec::new();
    }
    let per_flow = total / (n * (n - 1)) as f64;
    notes.push(format!(
        "{total} GB/month of cross-region traffic is split evenly over the {} one-way flows between {n} regions ({per_flow:.2} GB each); pass pairTraffic for a real traffic matrix",
        n * (n - 1)
    ));
    let mut result = Vec::new();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                result.push(Flow {
                    from,
                    to,
                    gb: per_flow,
                });
            }
        }
    }
    result
}
