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

/// The regions with availability zones: one dated data file that names its source.
const REGIONS_WITH_ZONES: &str = include_str!("regions_with_zones.json");

/// Whether `location` (in any spelling) has availability zones, so pools spread over zones 1–3.
pub fn has_availability_zones(location: &str) -> bool {
    static REGIONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let regions = REGIONS.get_or_init(|| {
        let file: serde_json::Value =
            serde_json::from_str(REGIONS_WITH_ZONES).unwrap_or(serde_json::Value::Null);
        file["regions"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    });
    let location = canonical(location);
    regions.contains(&location)
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

    /// The data file parses, names only regions aksmesh knows, and draws the line where Learn does.
    #[test]
    fn zone_regions_come_from_the_dated_file() {
        let file: serde_json::Value = serde_json::from_str(REGIONS_WITH_ZONES).unwrap();
        assert!(file["source"]
            .as_str()
            .unwrap()
            .contains("learn.microsoft.com"));
        assert!(file["retrieved"].as_str().is_some());
        for region in file["regions"].as_array().unwrap() {
            assert!(is_known(region.as_str().unwrap()), "{region}");
        }
        let rows = [
            ("eastus", true),
            ("West Europe", true),
            ("swedencentral", true),
            ("westus", false),
            ("northcentralus", false),
            ("ukwest", false),
            ("australiasoutheast", false),
            ("mars", false),
        ];
        for (region, zones) in rows {
            assert_eq!(has_availability_zones(region), zones, "{region}");
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
