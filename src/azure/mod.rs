//! The ARM client (placeholder).
