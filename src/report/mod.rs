//! Everything that reaches stdout and stderr.

pub mod inspect;
