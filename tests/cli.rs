//! The integration test crate: drives the built `dbtls` binary the way users run it, and checks
//! its output with independent peers (openssl, keytool, a real MariaDB server).

mod util;

mod dropin;
mod export;
mod golden;
mod hostile;
mod inspect;
mod issue;
mod keys;
mod mariadb;
mod output;
mod reliability;
mod setup;
mod verify;
