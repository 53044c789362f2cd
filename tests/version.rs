//! One version: Cargo.toml's `[package] version` is the source. The plugin reports it
//! (`GetPluginInfo`, the user agent and the monitor's registrations use `CARGO_PKG_VERSION`), and
//! `scripts/gen-sdk.sh` writes it into schema.json and every SDK's package metadata. This test
//! reads each of those places, so a release cannot ship an SDK that asks the engine for another
//! plugin version than the one built.

use std::path::Path;

/// Where a version is written: the file, and the text that comes just before it on its line.
const PLACES: &[(&str, &str)] = &[
    ("schema.json", "  \"version\": \""),
    ("sdk/nodejs/package.json", "    \"version\": \""),
    ("sdk/nodejs/package.json", "        \"version\": \""),
    ("sdk/python/setup.py", "VERSION = \""),
    (
        "sdk/python/pulumi_aksmesh/pulumi-plugin.json",
        "  \"version\": \"",
    ),
    ("sdk/go/aksmesh/pulumi-plugin.json", "  \"version\": \""),
    (
        "sdk/go/aksmesh/internal/pulumiUtilities.go",
        "\tversion := semver.MustParse(\"",
    ),
    ("sdk/dotnet/version.txt", ""),
    ("sdk/dotnet/Pulumi.Aksmesh.csproj", "    <Version>"),
    ("sdk/dotnet/pulumi-plugin.json", "  \"version\": \""),
];

/// Every version found after `prefix` at the start of a line of `text`.
fn versions_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .map(|rest| rest.split(['"', '<']).next().unwrap_or_default().trim())
        .collect()
}

#[test]
fn every_published_version_is_cargos() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = env!("CARGO_PKG_VERSION");
    let mut problems = Vec::new();
    for (file, prefix) in PLACES {
        let text = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        let found = versions_after(&text, prefix);
        if found.is_empty() {
            problems.push(format!("{file}: no version after {prefix:?}"));
        }
        for other in found.into_iter().filter(|found| *found != version) {
            problems.push(format!("{file}: {other}"));
        }
    }
    assert!(
        problems.is_empty(),
        "Cargo.toml says {version}, but:\n{}\nrun scripts/gen-sdk.sh and commit schema.json and sdk/",
        problems.join("\n")
    );
}

/// The reader must see a disagreement, or the test above could never fail.
#[test]
fn a_different_version_is_seen() {
    let cases = [
        (
            "  \"version\": \"0.2.0\",\n",
            "  \"version\": \"",
            vec!["0.2.0"],
        ),
        (
            "    <Version>1.0.0</Version>\n",
            "    <Version>",
            vec!["1.0.0"],
        ),
        ("0.3.0\n", "", vec!["0.3.0"]),
        (
            "VERSION = \"0.1.0\"\nname = \"x\"\n",
            "VERSION = \"",
            vec!["0.1.0"],
        ),
        ("{\n}\n", "  \"version\": \"", vec![]),
    ];
    for (text, prefix, expected) in cases {
        assert_eq!(versions_after(text, prefix), expected, "{text:?}");
    }
}
