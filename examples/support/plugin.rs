//! Starting the plugin as the engine does, shared by the benchmarks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the plugin and returns it with its port and how long the port line took.
pub fn start(binary: &str) -> (Child, u16, Duration) {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("127.0.0.1:1") // an engine address nobody answers: logging is lazy
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    let elapsed = started.elapsed();
    (child, line.trim().parse().expect("a port number"), elapsed)
}
