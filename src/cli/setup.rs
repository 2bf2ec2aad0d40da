//! `dbtls setup`: the datadir set.

use std::path::PathBuf;

use anyhow::Result;

use crate::app::server_kind::{ServerHint, ServerKind};
use crate::app::setup::{self, SetupRequest};
use crate::cli::common::{OutputArgs, parse_sans};
use crate::io::password::PassSpec;
use crate::pki::key::KeyType;

/// Arguments of `dbtls setup`.
#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Directory to write into (created if missing).
    #[arg(long, short = 'd', default_value = "out")]
    pub datadir: PathBuf,
    /// Suffix in the CNs: MySQL_Server_<SUFFIX>_Auto_Generated_CA_Certificate ...
    #[arg(long, short = 's', default_value = setup::DEFAULT_SUFFIX)]
    pub suffix: String,
    /// As root, give every written file to this user and its primary group.
    #[arg(long)]
    pub uid: Option<String>,
    /// Key type of the CA, server and client keys (the RSA pair is always RSA-2048).
    #[arg(long, default_value = "rsa2048", value_parser = clap::builder::ValueParser::new(str::parse::<KeyType>))]
    pub key_type: KeyType,
    /// Validity of the certificates, in days.
    #[arg(long, default_value_t = 3650, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub days: u32,
    /// Another server name (DNS or IP, detected); repeatable.
    #[arg(long = "san", value_name = "NAME")]
    pub sans: Vec<String>,
    /// Regenerate all eight files even if some exist.
    #[arg(long)]
    pub force: bool,
    /// Encrypt ca-key.pem with this password (pass:|env:|file:|fd:|stdin).
    #[arg(long, value_name = "SPEC")]
    pub passout: Option<PassSpec>,
    /// Also encrypt client-key.pem with the --passout password.
    #[arg(long, requires = "passout")]
    pub encrypt_client_key: bool,
    /// Print what is done.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The environment variable that names the server instead of searching `PATH` for it (for
/// packaging scripts and tests): `mysql`, `mariadb`, `tidb`, or `none` (the lines every
/// server accepts).
pub const SERVER_KIND_ENV: &str = "DBTLS_SERVER_KIND";

fn server_hint() -> Result<ServerHint> {
    let Some(value) = std::env::var_os(SERVER_KIND_ENV) else {
        return Ok(ServerHint::Detect);
    };
    let text = value.to_string_lossy();
    match ServerKind::parse(&text) {
        Some(kind) => Ok(ServerHint::Given(kind)),
        None => anyhow::bail!(
            "{SERVER_KIND_ENV}={}: expected mysql, mariadb, tidb or none",
            crate::report::escape(&text)
        ),
    }
}

impl TryFrom<SetupArgs> for SetupRequest {
    type Error = anyhow::Error;

    fn try_from(a: SetupArgs) -> Result<SetupRequest> {
        let sans = parse_sans(&a.sans)?;
        setup::check_suffix(&a.suffix)?;
        Ok(SetupRequest {
            server: server_hint()?,
            datadir: a.datadir,
            suffix: a.suffix,
            uid: a.uid,
            key_type: a.key_type,
            days: a.days,
            sans,
            force: a.force,
            passout: a.passout,
            encrypt_client_key: a.encrypt_client_key,
        })
    }
}
