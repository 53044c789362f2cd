//! Azure region names: the one normalisation every resource, component and function uses, and the
//! list of regions aksmesh knows. Pure: no Pulumi, no Azure calls.

/// Azure public, sovereign and recent regions, in the canonical lower-case form ARM returns.
pub const KNOWN_REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "chilecentral",
    "denmarkeast",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "taiwannorth",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
    "chinaeast2",
    "chinaeast3",
    "chinanorth2",
    "chinanorth3",
];

/// The canonical form of a region name, as ARM returns it: "East US" → "eastus". Azure treats both
/// spellings as the same region.
pub fn canonical(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether `location` (in any spelling) names a region aksmesh knows.
pub fn is_known(location: &str) -> bool {
    KNOWN_REGIONS.contains(&canonical(location).as_str())
}

/// Why `location` is refused, with the nearest known region as a suggestion.
pub fn refusal(location: &str) -> String {
    let location = canonical(location);
    // Far longer than any region: no suggestion helps, and the distance would cost seconds.
    let comparable = location.len() <= 64;
    let suggestion = KNOWN_REGIONS
        .iter()
        .filter(|_| comparable)
        .min_by_key(|known| edit_distance(known, &location))
        .map(|s| format!(" (did you mean {s}?)"))
        .unwrap_or_default();
    format!("'{location}' is not an Azure region{suggestion}; `az account list-locations -o table` lists them")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_region_are_the_same_region() {
        let cases = [
            ("West Europe", "westeurope", true),
            ("  EASTUS ", "eastus", true),
            ("south east asia", "southeastasia", true),
            ("mars", "mars", false),
        ];
        for (given, canonical_form, known) in cases {
            assert_eq!(canonical(given), canonical_form);
            assert_eq!(is_known(given), known, "{given}");
        }
    }

    #[test]
    fn refusals_suggest_the_nearest_region() {
        assert_eq!(
            refusal("westeurop"),
            "'westeurop' is not an Azure region (did you mean westeurope?); `az account list-locations -o table` lists them"
        );
    }
}
