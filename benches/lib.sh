# Shared by the bench scripts: timing, medians, and the openssl reproduction of mysql_ssl_rsa_setup.
# Source it after `set -euo pipefail` and `cd` to the repository root.

now() { date +%s%N; }

# median MICROSECONDS... → the median, in microseconds.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# ms MICROSECONDS → "12.3"
ms() { awk -v u="$1" 'BEGIN{printf "%.1f", u/1000}'; }

# ratio A B → "0.42"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# Builds the release binary once; sets BIN.
build_release() {
  cargo build --release --quiet
  BIN=$PWD/target/release/dbtls
}

# openssl_setup DIR: the commands mysql_ssl_rsa_setup ran (8.0, client/mysql_ssl_rsa_setup.cc; cwd =
# datadir): four RSA-2048 keys, three certificates, a verify, output silenced as without --verbose.
openssl_setup() {
  local d=$1 s=bench
  mkdir -p "$d" && cd "$d"
  printf 'basicConstraints=CA:TRUE\n' > cav3.ext
  printf 'basicConstraints=CA:FALSE\n' > certv3.ext
  {
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout ca-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_CA_Certificate" -out ca-req.pem &&
    openssl rsa -in ca-key.pem -out ca-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile cav3.ext -set_serial 1 -req -in ca-req.pem -signkey ca-key.pem -out ca.pem &&
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout server-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_Server_Certificate" -out server-req.pem &&
    openssl rsa -in server-key.pem -out server-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile certv3.ext -set_serial 2 -req -in server-req.pem -CA ca.pem -CAkey ca-key.pem -out server-cert.pem &&
    openssl req -newkey rsa:2048 -days 3650 -nodes -keyout client-key.pem -subj "/CN=MySQL_Server_${s}_Auto_Generated_Client_Certificate" -out client-req.pem &&
    openssl rsa -in client-key.pem -out client-key.pem &&
    openssl x509 -sha256 -days 3650 -extfile certv3.ext -set_serial 3 -req -in client-req.pem -CA ca.pem -CAkey ca-key.pem -out client-cert.pem &&
    openssl verify -CAfile ca.pem server-cert.pem client-cert.pem &&
    chmod 600 ca-key.pem server-key.pem client-key.pem && chmod 644 ca.pem server-cert.pem client-cert.pem &&
    rm -f ca-req.pem server-req.pem client-req.pem cav3.ext certv3.ext &&
    openssl genrsa -out private_key.pem 2048 &&
    openssl rsa -in private_key.pem -pubout -out public_key.pem &&
    chmod 600 private_key.pem && chmod 644 public_key.pem
  } >/dev/null 2>&1
  cd - >/dev/null
}
