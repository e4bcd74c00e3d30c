#!/usr/bin/env bash
# usage: start.sh DIR   -> Dovecot (IMAP, IMAPS, LMTP) on 127.0.0.1 with all its data in DIR
# env: IMAP_PORT IMAPS_PORT LMTP_PORT (required), TLS_CERT TLS_KEY (PEM files, required),
#      SEED (LDIF the users come from; default ../ldap/seed.ldif), MASTER_PW (default: masterpw),
#      PUSH_PORT (where dovecot/voicebox-push.lua posts changes; default: 9, discard, which nobody
#      serves), PUSH_TOKEN (its bearer token; default: none)
# As root, mail belongs to user vmail (created if missing); as non-root, everything runs as the caller.
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/../lib.sh"
DIR=${1:?usage: start.sh DIR}
: "${IMAP_PORT:?} ${IMAPS_PORT:?} ${LMTP_PORT:?} ${TLS_CERT:?} ${TLS_KEY:?}"
mkdir -p "$DIR/mail" "$DIR/run" "$DIR/state"
DIR=$(cd "$DIR" && pwd)

if lab_pid_is "$(lab_read_pid "$DIR/run/master.pid")" dovecot; then
  echo "dovecot already running: pid $(cat "$DIR/run/master.pid")"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  # names, never numeric ids: a purge and reinstall of the packages renumbers the users
  getent passwd vmail >/dev/null ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail 2>/dev/null ||
    getent passwd vmail >/dev/null # a parallel lab may have created it in the meantime
  MAIL_USER=vmail INTERNAL_USER=dovecot LOGIN_USER=dovenull INTERNAL_GROUP=dovecot
  chown vmail:vmail "$DIR/mail"
  chmod 755 "$DIR"
  lab_check_traversable "$DIR"
else
  MAIL_USER=$(id -un) INTERNAL_USER=$(id -un) LOGIN_USER=$(id -un) INTERNAL_GROUP=$(id -gn)
fi
sed -e "s#@DIR@#$DIR#g" -e "s#@IMAP_PORT@#$IMAP_PORT#g" -e "s#@IMAPS_PORT@#$IMAPS_PORT#g" \
  -e "s#@LMTP_PORT@#$LMTP_PORT#g" -e "s#@TLS_CERT@#$TLS_CERT#g" -e "s#@TLS_KEY@#$TLS_KEY#g" \
  -e "s#@MAIL_USER@#$MAIL_USER#g" -e "s#@INTERNAL_USER@#$INTERNAL_USER#g" \
  -e "s#@LOGIN_USER@#$LOGIN_USER#g" -e "s#@INTERNAL_GROUP@#$INTERNAL_GROUP#g" \
  -e "s#@PUSH_PORT@#${PUSH_PORT:-9}#g" -e "s#@PUSH_TOKEN@#${PUSH_TOKEN:-}#g" \
  "$SRC/dovecot.conf.tmpl" >"$DIR/dovecot.conf"
# the mail processes (vmail) read the script: a copy beside the config, not a path into the checkout
cp "$SRC/../../dovecot/voicebox-push.lua" "$DIR/voicebox-push.lua"
chmod 644 "$DIR/voicebox-push.lua"
{ lab_seed_users "${SEED:-$SRC/../ldap/seed.ldif}"; lab_mail_only_users; } | while read -r uid pw _mail; do
  echo "$uid:$pw::::::"
done >"$DIR/users"
echo "master:${MASTER_PW:-masterpw}::::::" >"$DIR/master-users"

t0=$(lab_now_ms)
# daemonizes (pid in run/master.pid); detached stdio or a caller capturing our output hangs
if ! dovecot -c "$DIR/dovecot.conf" </dev/null >>"$DIR/start.log" 2>&1; then
  echo "dovecot failed to start:" >&2
  cat "$DIR/start.log" "$DIR/dovecot.log" >&2 2>/dev/null
  exit 1
fi
if lab_wait_greeting "$IMAP_PORT" '^\* OK' && lab_pid_is "$(lab_read_pid "$DIR/run/master.pid")" dovecot; then
  echo "dovecot pid $(cat "$DIR/run/master.pid") imap 127.0.0.1:$IMAP_PORT imaps :$IMAPS_PORT lmtp :$LMTP_PORT ready in $(($(lab_now_ms) - t0)) ms"
  exit 0
fi
echo "dovecot did not greet on port $IMAP_PORT within 5 s; log:" >&2
cat "$DIR/start.log" "$DIR/dovecot.log" >&2 2>/dev/null
exit 1
