//! Transitional re-export of [`crate::report::terminal`], so code that still calls
//! `crate::term::...` (inspect, the core) keeps compiling; removed at the merge.

pub use crate::report::terminal::*;
