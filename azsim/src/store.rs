//! Persistence in SQLite (WAL). Every request's changes are committed in one transaction
//! before the response is sent; a committed transaction survives `kill -9` because SQLite
//! has already written it to the WAL file.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection};

use crate::state::{Operation, Resource};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored record is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

pub struct Store {
    connection: Connection,
    stop_checkpoints: Arc<AtomicBool>,
}

impl Drop for Store {
    fn drop(&mut self) {
        self.stop_checkpoints.store(true, Ordering::Relaxed);
    }
}

/// Checkpoints the WAL from a thread of its own: a checkpoint syncs the database file,
/// and doing that on the request path would stall every request behind the world lock.
fn spawn_checkpointer(path: &Path, stop: Arc<AtomicBool>) {
    let path = path.to_path_buf();
    let _ = std::thread::Builder::new()
        .name("azsim-checkpoint".into())
        .spawn(move || {
            let Ok(connection) = Connection::open(&path) else {
                return;
            };
            let _ = connection.busy_timeout(Duration::from_millis(100));
            let mut ticks = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                ticks += 1;
                if ticks.is_multiple_of(5) {
                    let _ = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            }
        });
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        // WAL + NORMAL: a commit is in the OS before it returns, so a killed process loses
        // nothing committed (only a power loss could).
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS resources (key TEXT PRIMARY KEY, json TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS operations (id TEXT PRIMARY KEY, json TEXT NOT NULL);",
        )?;
        let stop_checkpoints = Arc::new(AtomicBool::new(false));
        spawn_checkpointer(path, stop_checkpoints.clone());
        Ok(Store {
            connection,
            stop_checkpoints,
        })
    }

    /// Loads everything; records that no longer parse are skipped (and reported).
    pub fn load(&self) -> Result<(Vec<Resource>, Vec<Operation>), StoreError> {
        let mut resources = Vec::new();
        let mut statement = self.connection.prepare("SELECT key, json FROM resources")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (key, json) = row?;
            match serde_json::from_str::<Resource>(&json) {
                Ok(resource) => resources.push(resource),
                Err(e) => tracing::warn!(%key, error = %e, "skipping unreadable stored resource"),
            }
        }
        let mut operations = Vec::new();
        let mut statement = self.connection.prepare("SELECT id, json FROM operations")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, json) = row?;
            match serde_json::from_str::<Operation>(&json) {
                Ok(operation) => operations.push(operation),
                Err(e) => tracing::warn!(%id, error = %e, "skipping unreadable stored operation"),
            }
        }
        Ok((resources, operations))
    }

    /// Upserts present records and deletes absent ones, atomically.
    pub fn write(
        &mut self,
        resources: &[(String, Option<&Resource>)],
        operations: &[(String, Option<&Operation>)],
    ) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        {
            let mut upsert = transaction
                .prepare_cached("INSERT INTO resources (key, json) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET json = excluded.json")?;
            let mut delete = transaction.prepare_cached("DELETE FROM resources WHERE key = ?1")?;
            for (key, resource) in resources {
                match resource {
                    Some(resource) => {
                        upsert.execute(params![key, serde_json::to_string(resource)?])?;
                    }
                    None => {
                        delete.execute(params![key])?;
                    }
                }
            }
            let mut upsert = transaction
                .prepare_cached("INSERT INTO operations (id, json) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET json = excluded.json")?;
            let mut delete = transaction.prepare_cached("DELETE FROM operations WHERE id = ?1")?;
            for (id, operation) in operations {
                match operation {
                    Some(operation) => {
                        upsert.execute(params![id, serde_json::to_string(operation)?])?;
                    }
                    None => {
                        delete.execute(params![id])?;
                    }
                }
            }
        }
        transaction.commit()?;
        Ok(())
    }
}
