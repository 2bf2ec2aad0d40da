//! One module per command: read inputs, call the core, write through [`crate::store`].

pub mod config;
pub mod export;
pub mod setup;
