//! One module per command: read inputs, call the core, write through [`crate::io`].

pub mod config;
pub mod csr;
pub mod export;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod setup;

use crate::io::password::{NoTerminal, Purpose};

/// The advice the core leaves to its caller: which option gets past an error the core reports
/// in its own terms. Appended to the printed error line.
pub fn advice(error: &anyhow::Error) -> String {
    let root = error.root_cause();
    if let Some(e) = root.downcast_ref::<crate::io::Error>()
        && e.reason == crate::io::Reason::Exists
    {
        return " (use --force to replace it)".into();
    }
    if let Some(e) = root.downcast_ref::<NoTerminal>() {
        let flag = match e.purpose {
            Purpose::New => "--passout",
            Purpose::Existing => "--passin",
        };
        return format!(" (give {flag} pass:|env:|file:|fd:|stdin)");
    }
    String::new()
}
