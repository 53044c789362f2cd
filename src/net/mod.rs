//! Pure address-space logic (placeholder).
