#!/usr/bin/env bash
# usage: start.sh DIR PORT   -> slapd on ldap://127.0.0.1:PORT with all its data in DIR
# A fresh DIR is seeded from seed.ldif (env SEED to override); an existing DIR is reused as it is,
# so start.sh after a crash (or a test's kill) brings the same server back.
# env: LDAP_ADMIN_PW (default: secret) for cn=admin,dc=example,dc=com
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/../lib.sh"
DIR=${1:?usage: start.sh DIR PORT}
PORT=${2:?usage: start.sh DIR PORT}
mkdir -p "$DIR/data"
DIR=$(cd "$DIR" && pwd)

if lab_pid_is "$(lab_read_pid "$DIR/slapd.pid")" slapd; then
  echo "slapd already running: pid $(cat "$DIR/slapd.pid")"
  exit 0
fi
if [ ! -f "$DIR/data/data.mdb" ]; then
  hash=$(slappasswd -s "${LDAP_ADMIN_PW:-secret}")
  sed -e "s#@DIR@#$DIR#g" -e "s#@SRC@#$SRC#g" -e "s#@ADMINPW@#$hash#g" "$SRC/slapd.conf.tmpl" >"$DIR/slapd.conf"
  # offline load: much faster than ldapadd against a running server
  slapadd -q -f "$DIR/slapd.conf" -l "${SEED:-$SRC/seed.ldif}"
fi
t0=$(lab_now_ms)
# slapd forks and writes its pid to $DIR/slapd.pid; detached stdio so callers that capture
# our output don't wait for the daemon
if ! slapd -h "ldap://127.0.0.1:$PORT/" -f "$DIR/slapd.conf" </dev/null >>"$DIR/slapd.log" 2>&1; then
  echo "slapd on port $PORT failed to start (port taken? to see why: slapd -d 256 -h ldap://127.0.0.1:$PORT/ -f $DIR/slapd.conf)" >&2
  exit 1
fi
for _ in $(seq 1 200); do
  # our own slapd must be alive: another server on a colliding port would answer the search too
  if lab_pid_is "$(lab_read_pid "$DIR/slapd.pid")" slapd &&
    ldapsearch -x -o nettimeout=1 -H "ldap://127.0.0.1:$PORT/" -b "" -s base namingContexts >/dev/null 2>&1; then
    echo "slapd pid $(cat "$DIR/slapd.pid") ldap://127.0.0.1:$PORT ready in $(($(lab_now_ms) - t0)) ms"
    exit 0
  fi
  sleep 0.025
done
echo "slapd on port $PORT did not answer within 5 s (port taken? try: slapd -d 256 -h ldap://127.0.0.1:$PORT/ -f $DIR/slapd.conf)" >&2
cat "$DIR/slapd.log" >&2
exit 1
