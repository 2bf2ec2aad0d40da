#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs the peers the tests talk to when they
# are missing (openssl, MariaDB server and client, a JDK with keytool/javac, MariaDB Connector/J,
# util-linux's setpriv, pkilint), then runs `cargo test`. A missing peer fails its tests.
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
have setpriv || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cargo test --all-targets "$@"
