//! Everything that reaches stdout or stderr: terminal escaping and the fallible writes
//! ([`terminal`]), the config snippets ([`snippet`]), the summaries of the commands
//! ([`summary`]) inspect's text, JSON, `--field` and SQL output ([`inspect`]) and verify's checks
//! ([`verify`]), a server's ([`live`]), each turning a
//! command's outcome into exactly the text it prints.

pub mod doctor;
pub mod dropin;
pub mod files;
pub mod fixtures;
pub mod inspect;
pub mod live;
pub mod renew;
pub mod rotate;
pub mod snippet;
pub mod summary;
pub mod terminal;
pub mod verify;

pub use summary::{Options, print_outcome};
pub use terminal::{
    error, escape, escape_json, first_unsafe, is_broken_pipe, is_unsafe, path, print, waiting, warn,
};
