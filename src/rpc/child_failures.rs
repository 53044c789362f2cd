//! Failures of the resources aksmesh runs, announced to the components waiting on them.
//!
//! When a component's child fails, the engine stops answering that child's registration and later
//! closes the connection, so a component that waited would report only "the client connection is
//! closing". The engine runs a component's Construct and its children's Check, Create and Update
//! in different plugin processes, so a failure is announced through a small file in a directory
//! private to the engine run (its process id and start time), and the component, which watches
//! for its children's files, returns at once with the child's URN and error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::watch::Sender;

/// How often the directory is looked at while a component waits. Short, because the engine shuts
/// the plugins down soon after a child fails (a fast failure leaves well under 250 ms), and cheap:
/// one `stat` of the directory per process, however many children are waiting.
const POLL: Duration = Duration::from_millis(20);

/// Announcements of one engine run.
#[derive(Clone, Debug)]
pub struct ChildFailures {
    directory: Option<PathBuf>,
}

impl Default for ChildFailures {
    /// The directory of the engine that started this process.
    fn default() -> Self {
        ChildFailures {
            directory: engine_run_key().map(|key| {
                std::env::temp_dir()
                    .join("aksmesh-child-failures")
                    .join(key)
            }),
        }
    }
}

impl ChildFailures {
    /// Announcements kept in `directory` (tests).
    pub fn in_directory(directory: impl Into<PathBuf>) -> Self {
        ChildFailures {
            directory: Some(directory.into()),
        }
    }

    /// Announces that `urn` failed with `message`. Best effort: a failure to write only means
    /// the component falls back to the engine's own message.
    pub fn announce(&self, urn: &str, message: &str) {
        let Some(directory) = &self.directory else {
            return;
        };
        sweep_old_runs(directory);
        let record = serde_json::json!({ "urn": urn, "message": message });
        let _ = std::fs::create_dir_all(directory).and_then(|()| {
            let path = file_of(directory, urn);
            let partial = path.with_extension(format!("{}.partial", std::process::id()));
            std::fs::write(&partial, record.to_string())?;
            std::fs::rename(&partial, &path)
        });
    }

    /// The message of `urn`'s failure once it is announced; never returns if it is not.
    pub async fn failure_of(&self, urn: &str) -> String {
        let Some(directory) = &self.directory else {
            return std::future::pending().await;
        };
        let path = file_of(directory, urn);
        let mut changes = directory_changes(directory);
        loop {
            if let Some(message) = read_announcement(&path, urn) {
                return message;
            }
            if changes.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

/// A signal that changes whenever the directory does (a file is renamed into it). One watcher
/// task per directory and process looks at the directory's modification time every [`POLL`];
/// it stops when nobody waits any more.
fn directory_changes(directory: &Path) -> tokio::sync::watch::Receiver<Option<SystemTime>> {
    static WATCHERS: Mutex<BTreeMap<PathBuf, Sender<Option<SystemTime>>>> =
        Mutex::new(BTreeMap::new());
    let modified = |directory: &Path| std::fs::metadata(directory).and_then(|m| m.modified()).ok();
    let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
    watchers.retain(|_, sender| sender.receiver_count() > 0);
    if let Some(sender) = watchers.get(directory) {
        return sender.subscribe();
    }
    let (sender, receiver) = tokio::sync::watch::channel(modified(directory));
    watchers.insert(directory.to_path_buf(), sender.clone());
    let directory = directory.to_path_buf();
    tokio::spawn(async move {
        while sender.receiver_count() > 0 {
            tokio::time::sleep(POLL).await;
            let now = modified(&directory);
            sender.send_if_modified(|seen| {
                let changed = *seen != now;
                *seen = now;
                changed
            });
        }
    });
    receiver
}

/// Announcements are written only on failures; the directories of runs older than a week go.
fn sweep_old_runs(directory: &Path) {
    const A_WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
    let Some(Ok(runs)) = directory.parent().map(std::fs::read_dir) else {
        return;
    };
    for run in runs.flatten() {
        let old = run
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > A_WEEK));
        if old {
            let _ = std::fs::remove_dir_all(run.path());
        }
    }
}

fn read_announcement(path: &Path, urn: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let record: serde_json::Value = serde_json::from_str(&text).ok()?;
    (record["urn"] == urn).then(|| record["message"].as_str().unwrap_or_default().to_string())
}

/// One file per URN, named by a hash (URNs can be longer than a file name may be).
fn file_of(directory: &Path, urn: &str) -> PathBuf {
    // FNV-1a: stable across processes and builds, unlike std's hasher.
    let hash = urn.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    directory.join(format!("{hash:016x}.json"))
}

/// The engine run: the parent process id and, where the system says, its start time, so a later
/// run with a reused process id never sees old announcements.
fn engine_run_key() -> Option<String> {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        // Field 22 of /proc/<pid>/stat is the start time (after the parenthesised name).
        let started = std::fs::read_to_string(format!("/proc/{parent}/stat"))
            .ok()
            .and_then(|stat| {
                let after_name = stat.rsplit_once(')')?.1;
                after_name.split_whitespace().nth(19).map(str::to_string)
            })
            .unwrap_or_default();
        Some(format!("{parent}-{started}"))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The URN the engine gives a child `name` of type `token` under `parent`:
/// `urn:pulumi:{stack}::{project}::{parent's type chain}${token}::{name}`. `None` for a parent
/// that is not a URN.
pub fn child_urn(parent: &str, token: &str, name: &str) -> Option<String> {
    let mut parts = parent.splitn(4, "::");
    let (stack, project, types) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next()?;
    if !stack.starts_with("urn:pulumi:") {
        return None;
    }
    Some(format!("{stack}::{project}::{types}${token}::{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_urns_extend_the_parent_type_chain() {
        for (parent, token, name, expected) in [
            (
                "urn:pulumi:dev::mesh::aksmesh:index:OverlayPeering::mesh",
                "aksmesh:index:VnetPeering",
                "mesh-eastus-westeurope",
                Some("urn:pulumi:dev::mesh::aksmesh:index:OverlayPeering$aksmesh:index:VnetPeering::mesh-eastus-westeurope"),
            ),
            (
                "urn:pulumi:dev::p::aksmesh:index:MultiRegionAks$aksmesh:index:OverlayPeering::platform-peering",
                "aksmesh:index:VnetPeering",
                "a::b",
                Some("urn:pulumi:dev::p::aksmesh:index:MultiRegionAks$aksmesh:index:OverlayPeering$aksmesh:index:VnetPeering::a::b"),
            ),
            ("not a urn", "t", "n", None),
            ("urn:pulumi:dev::p::t", "t", "n", None),
        ] {
            assert_eq!(child_urn(parent, token, name).as_deref(), expected, "{parent}");
        }
    }

    #[tokio::test]
    async fn a_waiting_component_hears_only_its_child() {
        let directory = tempfile::tempdir().unwrap();
        let announcer = ChildFailures::in_directory(directory.path());
        let listener = ChildFailures::in_directory(directory.path());
        announcer.announce("urn:other", "not mine");
        let waiting = tokio::spawn(async move { listener.failure_of("urn:mine").await });
        tokio::time::sleep(POLL * 2).await;
        assert!(!waiting.is_finished(), "another URN's failure is not ours");
        announcer.announce("urn:mine", "mine failed");
        let heard = tokio::time::timeout(POLL * 8, waiting).await;
        assert_eq!(heard.unwrap().unwrap(), "mine failed");
        let elsewhere = ChildFailures::in_directory(directory.path().join("another-run"));
        let silent = tokio::time::timeout(POLL * 2, elsewhere.failure_of("urn:mine")).await;
        assert!(silent.is_err(), "another engine run never hears it");
    }

    #[test]
    fn this_process_has_an_engine_run_key() {
        let key = engine_run_key().expect("a key on Unix");
        assert!(
            !key.ends_with('-'),
            "{key}: the start time is read from /proc"
        );
    }
}
