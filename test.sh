#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs the peers the tests talk to when they
# are missing (openssl, MariaDB server and client, a JDK with keytool/javac, MariaDB Connector/J,
# util-linux's setpriv, pkilint), then checks the quality bar (`cargo fmt --check`, `cargo clippy
# --all-targets -- -D warnings`) and runs `cargo test`. A missing peer fails its tests; a format
# or lint finding fails the run before any test.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have openssl || need+=(openssl)
have mariadbd || need+=(mariadb-server)
have mariadb || need+=(mariadb-client)
have mariadb-install-db || need+=(mariadb-server)
{ have keytool && have javac; } || need+=(default-jdk-headless)
[ -f /usr/share/java/mariadb-java-client.jar ] || need+=(libmariadb-java)
{ have setpriv && have runuser; } || need+=(util-linux)
have script || need+=(bsdutils)           # a pseudo-terminal for the colour test
have groff || need+=(groff-base)          # renders the man pages
have man || need+=(man-db)
have unzip || need+=(unzip)               # opens the export bundle's zip
have dpkg-deb || need+=(dpkg)             # inspects the .deb
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# pkilint, the RFC 5280 certificate linter the issuance tests run (PyPI).
if ! have lint_pkix_cert; then
  echo "test.sh: installing pkilint"
  python3 -m pip --version >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  }
  python3 -m pip install --quiet pkilint 2>/dev/null || python3 -m pip install --quiet --break-system-packages pkilint
  hash -r
fi

# PyYAML, which parses the Kubernetes Secret that fixtures writes (an independent YAML reader).
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  echo "test.sh: installing PyYAML"
  python3 -m pip install --quiet pyyaml 2>/dev/null || python3 -m pip install --quiet --break-system-packages pyyaml
fi

# cargo-deb, for tests/deb.rs (builds the .deb from the test binary): about 2 minutes to
# compile once, then cached in ~/.cargo/bin.
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "test.sh: cargo install cargo-deb --locked"
  cargo install cargo-deb --locked
fi

# The quality bar: unformatted code or any clippy warning fails the run (set -e). A toolchain
# without the two components gets them from rustup.
for component in rustfmt clippy; do
  sub=${component#rust}; sub=${sub:-$component}
  if ! cargo "$sub" --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
    echo "test.sh: installing $component"
    rustup component add "$component"
  fi
done
echo "test.sh: cargo fmt --check"
cargo fmt --all --check
echo "test.sh: cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

cargo test --all-targets "$@"
