//! A plugin never outlives its engine: when the process that started it is killed (kill -9, so it
//! cannot end its children), the plugin notices within a few seconds and exits.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PLUGIN: &str = env!("CARGO_BIN_EXE_pulumi-resource-aksmesh");

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by its new parent) has stopped serving too.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_for(condition: impl Fn() -> bool, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    condition()
}

fn read_pid(file: &Path) -> Option<u32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

#[test]
fn the_plugin_exits_when_its_engine_is_killed() {
    let directory = tempfile::tempdir().unwrap();
    let pid_file = directory.path().join("plugin.pid");
    // A stand-in engine: a shell that starts the plugin as its child and waits for it.
    let mut engine = Command::new("sh")
        .arg("-c")
        .arg(r#""$1" > /dev/null 2>&1 & echo $! > "$2"; wait"#)
        .arg("engine")
        .arg(PLUGIN)
        .arg(&pid_file)
        .stdin(Stdio::null())
        .spawn()
        .expect("sh runs");
    assert!(
        wait_for(|| read_pid(&pid_file).is_some(), Duration::from_secs(10)),
        "the stand-in engine did not start the plugin"
    );
    let plugin = read_pid(&pid_file).unwrap();

    // While its engine lives, the plugin keeps serving.
    std::thread::sleep(Duration::from_millis(1500));
    let served = alive(plugin);

    engine.kill().expect("kill -9 the engine");
    engine.wait().unwrap();
    let exited = wait_for(|| !alive(plugin), Duration::from_secs(5));
    if !exited {
        // Leave nothing running, whatever the outcome.
        let _ = Command::new("kill")
            .arg("-9")
            .arg(plugin.to_string())
            .status();
    }
    assert!(served, "the plugin stopped while its engine was alive");
    assert!(exited, "the plugin outlived its engine by more than 5 s");
}
