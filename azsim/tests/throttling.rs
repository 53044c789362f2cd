//! ARM subscription throttling: token buckets per subscription, principal and kind of request,
//! the `x-ms-ratelimit-remaining-subscription-*` headers, 429 `TooManyRequests` with
//! `Retry-After`, refill in simulated time, and the off switch.

mod common;

use std::time::Duration;

use azsim::{BucketLimit, ThrottleConfig};
use common::*;
use serde_json::json;

const READS: &str = "x-ms-ratelimit-remaining-subscription-reads";
const WRITES: &str = "x-ms-ratelimit-remaining-subscription-writes";
const DELETES: &str = "x-ms-ratelimit-remaining-subscription-deletes";

fn remaining(r: &azsim::client::ClientResponse, header: &str) -> Option<u32> {
    r.header(header).map(|v| v.parse().expect("a number"))
}

/// Starts azsim with `writes` as the writes bucket (reads and deletes keep ARM's limits).
async fn start_with_writes(time_scale: f64, writes: BucketLimit) -> Sim {
    start_configured(time_scale, |config| config.throttle.writes = writes).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_reports_its_own_bucket_with_arm_defaults() {
    // Scale 1: buckets refill in real time, so a burst of requests visibly spends them.
    let sim = start(1.0).await;
    sim.create_rg("rg", "westeurope").await; // the first write: 199 left
    let rg = format!("{}?api-version={RG}", sim.rg("rg"));
    let missing_rg = format!("{}?api-version={RG}", sim.rg("nope"));
    let credentials = format!(
        "{}/listClusterUserCredential?api-version={AKS}",
        sim.aks("rg", "none")
    );
    // (method, path, the header it must carry, the value: ARM's bucket size less what was spent)
    let cases = [
        ("GET", rg.clone(), READS, 249),
        ("GET", rg.clone(), READS, 248),
        ("HEAD", rg.clone(), READS, 247),
        ("PUT", rg.clone(), WRITES, 198),
        ("PATCH", rg.clone(), WRITES, 197),
        ("POST", credentials, WRITES, 196),
        ("DELETE", missing_rg.clone(), DELETES, 199),
        ("DELETE", missing_rg, DELETES, 198),
    ];
    for (method, path, header, expected) in cases {
        let body = match method {
            "PUT" => Some(json!({"location": "westeurope"})),
            "PATCH" => Some(json!({"tags": {"team": "platform"}})),
            _ => None,
        };
        let r = sim
            .client
            .request(method, &path, body.as_ref())
            .await
            .expect("request");
        assert_eq!(remaining(&r, header), Some(expected), "{method} {path}");
        // Only the bucket the request drew from is reported, as ARM does.
        for other in [READS, WRITES, DELETES]
            .into_iter()
            .filter(|h| *h != header)
        {
            assert_eq!(r.header(other), None, "{method} {path} carries {other}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_polls_count_too() {
    let sim = start(1.0).await;
    // A 404 still went through ARM: it costs a read.
    let r = sim.get(&sim.rg("absent"), RG).await;
    assert_eq!(r.status, 404);
    assert_eq!(remaining(&r, READS), Some(249));
    // A 404 from a write costs a write.
    let r = sim
        .put(
            &sim.net("absent", "virtualNetworks/v"),
            NET,
            json!({"location": "westeurope"}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(remaining(&r, WRITES), Some(199));
    sim.create_rg("rg", "westeurope").await;
    let vnet = sim.net("rg", "virtualNetworks/v");
    let r = sim
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        )
        .await;
    let poll = r
        .header("azure-asyncoperation")
        .expect("an LRO")
        .to_string();
    let r = sim.client.get(&poll).await.expect("poll");
    assert_eq!(r.status, 200);
    assert_eq!(remaining(&r, READS), Some(248), "a poll is a read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_bucket_answers_429_until_a_token_is_back() {
    // (time scale, writes bucket, refill per simulated second, wall ms until the next token)
    let cases = [(1.0, 3, 2.0, 500), (0.1, 2, 1.0, 100)];
    for (time_scale, capacity, refill, wait_ms) in cases {
        let sim = start_with_writes(
            time_scale,
            BucketLimit {
                capacity,
                refill_per_second: refill,
            },
        )
        .await;
        let rg = sim.rg("rg");
        for left in (0..capacity).rev() {
            let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
            assert!(matches!(r.status, 200 | 201), "{}", r.status);
            assert_eq!(remaining(&r, WRITES), Some(left));
        }
        let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
        assert_eq!(r.status, 429, "scale {time_scale}");
        assert_eq!(r.error_code().as_deref(), Some("TooManyRequests"));
        assert_eq!(remaining(&r, WRITES), Some(0));
        let retry_ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
        let retry_s: u64 = r.header("retry-after").unwrap().parse().unwrap();
        // The refill since the last token (a few ms of wall time) may already have shaved a little.
        assert!(
            retry_ms <= wait_ms && retry_ms + 40 >= wait_ms,
            "scale {time_scale}: retry-after-ms {retry_ms}, expected about {wait_ms}"
        );
        assert_eq!(retry_s, 1, "Retry-After is whole seconds, at least 1");
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("'write'") && message.contains(&sim.sub[15..]),
            "{message}"
        );
        // The throttled request changed nothing, and reads are not affected.
        let r = sim.get(&rg, RG).await;
        assert_eq!(r.status, 200);
        assert_eq!(remaining(&r, READS), Some(249));
        // After Retry-After, the write goes through.
        tokio::time::sleep(Duration::from_millis(retry_ms + 5)).await;
        let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
        assert_eq!(
            r.status,
            200,
            "scale {time_scale}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(remaining(&r, WRITES), Some(0));
        let health = sim
            .client
            .get("/azsim/health")
            .await
            .expect("health")
            .json();
        assert_eq!(health["throttle"]["enabled"], true);
        assert_eq!(health["throttle"]["throttled"]["writes"], 1);
        assert_eq!(health["throttle"]["throttled"]["reads"], 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refill_follows_simulated_time() {
    // 1 token per simulated second at scale 0.05: 20 tokens per wall second.
    let sim = start_with_writes(
        0.05,
        BucketLimit {
            capacity: 5,
            refill_per_second: 1.0,
        },
    )
    .await;
    let rg = sim.rg("rg");
    let mut sent = 0;
    while sim
        .put(&rg, RG, json!({"location": "westeurope"}))
        .await
        .status
        != 429
    {
        sent += 1;
        assert!(sent < 50, "the bucket never empties");
    }
    // 200 ms of wall time are 4 simulated seconds: about 4 tokens back (in wall time, 0.2).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 200);
    let left = remaining(&r, WRITES).expect("header");
    assert!(
        (2..=4).contains(&left),
        "{left} tokens left after 4 simulated seconds and one write"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_have_separate_buckets() {
    let sim = start_with_writes(
        1.0,
        BucketLimit {
            capacity: 2,
            refill_per_second: 0.01,
        },
    )
    .await;
    let rg = sim.rg("rg");
    for _ in 0..2 {
        sim.put(&rg, RG, json!({"location": "westeurope"})).await;
    }
    let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 429);
    // Another subscription has its own full bucket: ARM lets the write through, and the
    // subscription (unknown to azsim) answers for itself.
    let other = "/subscriptions/00000000-0000-4000-8000-0000000000ff/resourceGroups/rg";
    let r = sim.put(other, RG, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code().as_deref(), Some("SubscriptionNotFound"));
    assert_eq!(remaining(&r, WRITES), Some(1));
    // Still throttled on ours; requests without a subscription are not throttled.
    let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 429);
    let r = sim
        .client
        .put(&format!("/tenants?api-version={RG}"), &json!({}))
        .await
        .expect("tenant request");
    assert_ne!(r.status, 429);
    assert_eq!(r.header(WRITES), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_can_be_turned_off() {
    let sim = start_configured(1.0, |config| {
        config.throttle = ThrottleConfig::off();
        config.throttle.writes.capacity = 1;
    })
    .await;
    let rg = sim.rg("rg");
    for _ in 0..5 {
        let r = sim.put(&rg, RG, json!({"location": "westeurope"})).await;
        assert!(matches!(r.status, 200 | 201), "{}", r.status);
        for header in [READS, WRITES, DELETES] {
            assert_eq!(r.header(header), None);
        }
    }
    let health = sim
        .client
        .get("/azsim/health")
        .await
        .expect("health")
        .json();
    assert_eq!(health["throttle"]["enabled"], false);
}

#[tokio::test]
async fn invalid_limits_are_refused_at_start() {
    // (what is wrong, the change)
    type Change = fn(&mut ThrottleConfig);
    let cases: [(&str, Change); 3] = [
        ("empty reads bucket", |t| t.reads.capacity = 0),
        ("no write refill", |t| t.writes.refill_per_second = 0.0),
        ("NaN delete refill", |t| {
            t.deletes.refill_per_second = f64::NAN
        }),
    ];
    for (what, change) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut config = azsim::Config::new(dir.path());
        change(&mut config.throttle);
        let error = azsim::start(config).await.err();
        assert!(
            matches!(&error, Some(azsim::Error::Config(m)) if m.contains("throttling")),
            "{what}: {error:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_flags_set_the_buckets_or_turn_them_off() {
    // (flags, the writes header a first PUT carries)
    let cases: [(&[&str], Option<&str>); 4] = [
        (&[], Some("199")),
        (&["--write-bucket", "7", "--write-refill", "0.5"], Some("6")),
        (&["--throttle", "on", "--write-bucket", "3"], Some("2")),
        (&["--throttle", "off", "--write-bucket", "3"], None),
    ];
    for (flags, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut process = spawn(dir.path(), 1.0, flags);
        let client = azsim::client::Client::connect(&process.info)
            .await
            .expect("client connects");
        let rg = format!(
            "/subscriptions/{}/resourceGroups/rg?api-version={RG}",
            process.info.subscription_id
        );
        let r = client
            .put(&rg, &json!({"location": "westeurope"}))
            .await
            .expect("PUT");
        assert_eq!(r.status, 201, "{flags:?}");
        assert_eq!(r.header(WRITES), expected, "{flags:?}");
        process.child.kill().expect("stop azsim");
        process.child.wait().expect("reaped");
    }
    // A bucket that can never hold a token is refused with a reason.
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_azsim"))
        .args(["serve", "--read-bucket", "0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("azsim runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("reads bucket"), "{stderr}");
}
