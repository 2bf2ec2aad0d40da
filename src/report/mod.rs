//! Everything that reaches stdout/stderr.

pub mod verify;
