//! Unit tests of the verification engine.
