//! The integration test crate: drives the built `dbtls` binary the way users run it, and checks
//! its output with independent peers (openssl, keytool, a real MariaDB server).

mod util;

mod crl;
mod deb;
mod doctor;
mod dropin;
mod eco;
mod export;
mod fixtures;
mod golden;
mod hostile;
mod inspect;
mod issue;
mod keyformats;
mod keys;
mod live;
mod mariadb;
mod output;
mod reliability;
mod renew;
mod rotate;
mod setup;
mod verify;
