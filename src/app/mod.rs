//! One module per command: read inputs, call the core, write through [`crate::io`].

pub mod config;
pub mod csr;
pub mod export;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod setup;
pub mod verify;
