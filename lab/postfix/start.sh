#!/usr/bin/env bash
# usage: start.sh DIR   -> Postfix on 127.0.0.1 delivering example.com into the lab's Dovecot
# env: SMTP_PORT SUBMISSION_PORT (required), DOVECOT_DIR (the lab's Dovecot dir: LMTP and AUTH
#      sockets), TLS_CERT TLS_KEY (PEM), SEED (LDIF the mailboxes come from; default ../ldap/seed.ldif)
# Must run as root: Postfix's master starts as root, its daemons drop to user postfix.
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/../lib.sh"
DIR=${1:?usage: start.sh DIR}
: "${SMTP_PORT:?} ${SUBMISSION_PORT:?} ${DOVECOT_DIR:?} ${TLS_CERT:?} ${TLS_KEY:?}"
if [ "$(id -u)" != 0 ]; then
  echo "postfix must be started as root (its master process needs it)" >&2
  exit 1
fi
mkdir -p "$DIR/etc" "$DIR/queue" "$DIR/data"
DIR=$(cd "$DIR" && pwd)
if lab_pid_is "$(lab_read_pid "$DIR/queue/pid/master.pid")" master; then
  echo "postfix already running: pid $(lab_read_pid "$DIR/queue/pid/master.pid")"
  exit 0
fi
chmod 755 "$DIR"
# the layout of /etc/postfix/postfix-files, made here: with queue/quick-start present, 'postfix start'
# skips its integrity check and post-install (~0.7 s of postconf calls)
q=$DIR/queue
install -d -o root -m 755 "$q" "$q/pid"
install -d -o postfix -m 700 "$DIR/data" "$q"/{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace}
install -d -o postfix -g postdrop -m 730 "$q/maildrop"
install -d -o postfix -g postdrop -m 710 "$q/public"
touch "$q/quick-start"
lab_check_traversable "$DIR"
sed -e "s#@DIR@#$DIR#g" -e "s#@SMTP_PORT@#$SMTP_PORT#g" -e "s#@LMTP_SOCKET@#$DOVECOT_DIR/run/lmtp#g" \
  -e "s#@DOVECOT_AUTH@#$DOVECOT_DIR/run/auth-client#g" -e "s#@TLS_CERT@#$TLS_CERT#g" -e "s#@TLS_KEY@#$TLS_KEY#g" \
  "$SRC/main.cf.tmpl" >"$DIR/etc/main.cf"
sed -e "s#@SMTP_PORT@#$SMTP_PORT#g" -e "s#@SUBMISSION_PORT@#$SUBMISSION_PORT#g" "$SRC/master.cf.tmpl" >"$DIR/etc/master.cf"
{ lab_seed_users "${SEED:-$SRC/../ldap/seed.ldif}"; lab_mail_only_users; } | while read -r _uid _pw mail; do
  echo "$mail OK"
done >"$DIR/etc/vmailbox"
# the stand-in e-mail-to-SMS provider: any address @sms.example.com goes to smsgw's mailbox
printf 'sms.example.com domain\n@sms.example.com smsgw@example.com\n' >"$DIR/etc/virtual"
touch "$DIR/maillog"
# Postfix re-reads a config file younger than 2 s (an edit-race guard) and so starts ~1.8 s
# slower; backdating the fresh files avoids that
touch -d "-1 min" "$DIR"/etc/*

t0=$(lab_now_ms)
# 'postfix start' creates the queue directories with the right owners, checks, starts master
if ! postfix -c "$DIR/etc" start </dev/null >>"$DIR/start.log" 2>&1; then
  echo "postfix failed to start (to see why: script -qc 'postfix -c $DIR/etc check' /dev/null):" >&2
  cat "$DIR/start.log" "$DIR/maillog" >&2
  exit 1
fi
if lab_wait_greeting "$SMTP_PORT" '^220' && lab_wait_greeting "$SUBMISSION_PORT" '^220' &&
  lab_pid_is "$(lab_read_pid "$DIR/queue/pid/master.pid")" master; then
  echo "postfix pid $(lab_read_pid "$DIR/queue/pid/master.pid") smtp 127.0.0.1:$SMTP_PORT submission :$SUBMISSION_PORT ready in $(($(lab_now_ms) - t0)) ms"
  exit 0
fi
echo "postfix did not greet on ports $SMTP_PORT/$SUBMISSION_PORT within 5 s; log:" >&2
cat "$DIR/start.log" "$DIR/maillog" >&2
exit 1
