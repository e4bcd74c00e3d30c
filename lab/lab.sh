#!/usr/bin/env bash
# usage: lab.sh up|down|status
#
# A lab of real servers on 127.0.0.1 for voicebox's tests and for trying voicebox:
# two slapd (same seed, for fail-over), Dovecot (IMAP, IMAPS, LMTP) and Postfix (SMTP into Dovecot,
# plus a STARTTLS+AUTH port). All data in one temp dir, free ports, every daemon stopped by its pid.
#
# env:
#   LAB_STATE      state file (default: <repo>/.lab/state.json); one lab per state file
#   LAB_DIR        data dir (default: a new mktemp -d /tmp/voicebox-lab.XXXXXX); removed by `down`
#   LAB_CONFIG     where to write the example voicebox config (default: lab/voicebox.yaml)
#   LAB_PORT_BASE  use the 8 ports BASE..BASE+7 instead of free ones picked by the kernel
#
# `up` is idempotent (a running lab is left alone) and serialised per state file (flock), so two
# labs with different state files run side by side and two `up`s on the same state file start one.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$LAB")
. "$LAB/lib.sh"

STATE=${LAB_STATE:-$REPO/.lab/state.json}
mkdir -p "$(dirname "$STATE")"
STATE=$(cd "$(dirname "$STATE")" && pwd)/$(basename "$STATE")
CONFIG=${LAB_CONFIG:-$LAB/voicebox.yaml}
MARKER=.voicebox-lab # in the data dir: `down` only removes a dir that has it
LDAP_BIND_DN=cn=admin,dc=example,dc=com
LDAP_BIND_PW=${LDAP_ADMIN_PW:-secret}
MASTER_PW=${MASTER_PW:-masterpw}
export LDAP_ADMIN_PW=$LDAP_BIND_PW MASTER_PW

usage() {
  echo "usage: lab.sh up|down|status   (npm run lab:up / lab:down / lab:status)" >&2
  exit 2
}

lock() {
  exec 9>"$STATE.lock"
  flock -w 120 9 || {
    echo "lab: another lab.sh holds $STATE.lock for 2 minutes; giving up" >&2
    exit 1
  }
}

# S_* variables from the state file, with one node call (jq is not installed everywhere; node is)
load_state() {
  eval "$(node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const q = (v) => "'"'"'" + String(v).replace(/'"'"'/g, "'"'"'\\'"'"''"'"'") + "'"'"'";
    const out = {
      dir: s.dir, config: s.config, startMs: s.startMs,
      ldap1Port: s.ldap.servers[0].port, ldap1Dir: s.ldap.servers[0].dir,
      ldap2Port: s.ldap.servers[1].port, ldap2Dir: s.ldap.servers[1].dir,
      imapPort: s.imap.port, imapsPort: s.imap.tlsPort, lmtpPort: s.lmtp.port, dovecotDir: s.imap.dir,
      smtpPort: s.smtp.port, submissionPort: s.smtp.submissionPort, postfixDir: s.smtp.dir,
      pushUrl: s.push?.url ?? "",
    };
    for (const [k, v] of Object.entries(out)) console.log(`S_${k}=${q(v)}`);
  ' "$STATE")"
}

# pids from the daemons' own pid files (a restarted server has a new pid)
pid_slapd() { lab_read_pid "$1/slapd.pid"; }
pid_dovecot() { lab_read_pid "$1/run/master.pid"; }
pid_postfix() { lab_read_pid "$1/queue/pid/master.pid"; }

server_states() {
  local st
  lab_pid_is "$(pid_slapd "$S_ldap1Dir")" slapd && st=up || st=down
  printf '  %-11s %-36s pid %-7s %s\n' ldap1 "ldap://127.0.0.1:$S_ldap1Port" "$(pid_slapd "$S_ldap1Dir")" $st
  lab_pid_is "$(pid_slapd "$S_ldap2Dir")" slapd && st=up || st=down
  printf '  %-11s %-36s pid %-7s %s\n' ldap2 "ldap://127.0.0.1:$S_ldap2Port" "$(pid_slapd "$S_ldap2Dir")" $st
  lab_pid_is "$(pid_dovecot "$S_dovecotDir")" dovecot && st=up || st=down
  printf '  %-11s %-36s pid %-7s %s\n' dovecot "imap :$S_imapPort imaps :$S_imapsPort lmtp :$S_lmtpPort" "$(pid_dovecot "$S_dovecotDir")" $st
  lab_pid_is "$(pid_postfix "$S_postfixDir")" master && st=up || st=down
  printf '  %-11s %-36s pid %-7s %s\n' postfix "smtp :$S_smtpPort submission :$S_submissionPort" "$(pid_postfix "$S_postfixDir")" $st
}

all_up() {
  lab_pid_is "$(pid_slapd "$S_ldap1Dir")" slapd && lab_pid_is "$(pid_slapd "$S_ldap2Dir")" slapd &&
    lab_pid_is "$(pid_dovecot "$S_dovecotDir")" dovecot && lab_pid_is "$(pid_postfix "$S_postfixDir")" master
}

any_up() {
  lab_pid_is "$(pid_slapd "$S_ldap1Dir")" slapd || lab_pid_is "$(pid_slapd "$S_ldap2Dir")" slapd ||
    lab_pid_is "$(pid_dovecot "$S_dovecotDir")" dovecot || lab_pid_is "$(pid_postfix "$S_postfixDir")" master
}

# stop every server under DIR (in parallel: Dovecot alone needs ~1 s) and remove DIR
stop_dir() {
  local dir=$1
  "$LAB/postfix/stop.sh" "$dir/postfix" &
  "$LAB/dovecot/stop.sh" "$dir/dovecot" &
  "$LAB/ldap/stop.sh" "$dir/ldap1" &
  "$LAB/ldap/stop.sh" "$dir/ldap2" &
  wait
  if [ -f "$dir/$MARKER" ]; then rm -rf "$dir"; fi
}

free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]);
    const servers = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        servers.push(s);
        if (servers.length === n) {
          console.log(servers.map((x) => x.address().port).join(" "));
          for (const x of servers) x.close();
        }
      });
    }' "$1"
}

check_tools() {
  local missing=() t
  for t in slapd slapadd slappasswd ldapsearch dovecot doveadm postfix openssl node flock; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  if ((${#missing[@]})); then
    echo "lab: missing programs: ${missing[*]}" >&2
    echo "     install: apt-get install --no-install-recommends slapd ldap-utils dovecot-imapd dovecot-lmtpd postfix openssl" >&2
    echo "     (bash test/run does that for you when run as root)" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "lab: must run as root (Postfix's master process needs it)" >&2
    exit 1
  fi
}

# one attempt at starting everything in $DIR; sets the port variables
start_servers() {
  local ports
  if [ -n "${LAB_PORT_BASE:-}" ]; then
    ports=$(seq "$LAB_PORT_BASE" $((LAB_PORT_BASE + 7)) | tr '\n' ' ')
  else
    ports=$(free_ports 8)
  fi
  read -r LDAP1_PORT LDAP2_PORT IMAP_PORT IMAPS_PORT LMTP_PORT SMTP_PORT SUBMISSION_PORT PUSH_PORT <<<"$ports"
  # Dovecot posts every mailbox change to voicebox on PUSH_PORT (dovecot/voicebox-push.lua); nobody
  # listens there unless a test starts voicebox's push endpoint on it with this token
  PUSH_TOKEN=$(openssl rand -hex 16)

  mkdir -p "$DIR/tls"
  # throwaway certificate for localhost/127.0.0.1 (EC: generated in a few ms); clients trust
  # exactly this file (state: tls.caCert)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >/dev/null 2>&1 || return 1
  chmod 600 "$DIR/tls/key.pem"
  chmod 644 "$DIR/tls/cert.pem"

  # One after the other: on a 2-core machine starting them at once was no faster.
  # 9>&-: the daemons must not inherit the lock's file descriptor, or they hold the lock forever.
  "$LAB/ldap/start.sh" "$DIR/ldap1" "$LDAP1_PORT" 9>&- &&
    "$LAB/ldap/start.sh" "$DIR/ldap2" "$LDAP2_PORT" 9>&- &&
    IMAP_PORT=$IMAP_PORT IMAPS_PORT=$IMAPS_PORT LMTP_PORT=$LMTP_PORT PUSH_PORT=$PUSH_PORT PUSH_TOKEN=$PUSH_TOKEN \
      TLS_CERT=$DIR/tls/cert.pem TLS_KEY=$DIR/tls/key.pem "$LAB/dovecot/start.sh" "$DIR/dovecot" 9>&- &&
    SMTP_PORT=$SMTP_PORT SUBMISSION_PORT=$SUBMISSION_PORT DOVECOT_DIR=$DIR/dovecot \
      TLS_CERT=$DIR/tls/cert.pem TLS_KEY=$DIR/tls/key.pem "$LAB/postfix/start.sh" "$DIR/postfix" 9>&-
}

write_state() {
  local tmp="$STATE.tmp.$$"
  cat >"$tmp" <<JSON
{
  "version": 1,
  "dir": "$DIR",
  "config": "$CONFIG",
  "startedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "startMs": $START_MS,
  "host": "127.0.0.1",
  "tls": { "caCert": "$DIR/tls/cert.pem", "servername": "localhost" },
  "ldap": {
    "baseDn": "dc=example,dc=com",
    "ous": ["ou=sales,dc=example,dc=com", "ou=engineering,dc=example,dc=com"],
    "bindDn": "$LDAP_BIND_DN",
    "bindPassword": "$LDAP_BIND_PW",
    "servers": [
      { "url": "ldap://127.0.0.1:$LDAP1_PORT", "port": $LDAP1_PORT, "pid": $(pid_slapd "$DIR/ldap1"), "dir": "$DIR/ldap1" },
      { "url": "ldap://127.0.0.1:$LDAP2_PORT", "port": $LDAP2_PORT, "pid": $(pid_slapd "$DIR/ldap2"), "dir": "$DIR/ldap2" }
    ]
  },
  "imap": {
    "port": $IMAP_PORT,
    "tlsPort": $IMAPS_PORT,
    "pid": $(pid_dovecot "$DIR/dovecot"),
    "dir": "$DIR/dovecot",
    "config": "$DIR/dovecot/dovecot.conf",
    "master": { "user": "master", "password": "$MASTER_PW", "separator": "*" }
  },
  "lmtp": { "port": $LMTP_PORT, "socket": "$DIR/dovecot/run/lmtp" },
  "push": { "port": $PUSH_PORT, "url": "http://127.0.0.1:$PUSH_PORT/dovecot/push", "token": "$PUSH_TOKEN" },
  "smtp": {
    "port": $SMTP_PORT,
    "submissionPort": $SUBMISSION_PORT,
    "pid": $(pid_postfix "$DIR/postfix"),
    "dir": "$DIR/postfix",
    "configDir": "$DIR/postfix/etc"
  }
}
JSON
  mv "$tmp" "$STATE"
}

write_config() {
  mkdir -p "$(dirname "$CONFIG")"
  cat >"$CONFIG" <<YAML
# GENERATED by lab/lab.sh up at $(date -u +%Y-%m-%dT%H:%M:%SZ) - do not edit, the next lab:up rewrites it
# and lab:down removes it. voicebox's settings (src/config/schema.ts) pointing at the throwaway
# lab servers (lab/README.md):  npx voicebox call 501 --config lab/voicebox.yaml --dtmf 0

media:
  local: $DIR/media
location:
  countryCode: '49'
  areaCode: '30'
  subscriberBase: '1234'
  extensionLength: 3
  outsideLinePrefix: '0'

directory:
  type: ldap
  ldap:
    # tried in this order: the second is a copy of the first (same seed, no replication)
    servers:
      - ldap://127.0.0.1:$LDAP1_PORT
      - ldap://127.0.0.1:$LDAP2_PORT
    bindDn: $LDAP_BIND_DN
    bindPassword: $LDAP_BIND_PW
    baseDn: dc=example,dc=com
    # the seed's OUs (tests add entries of their own in OUs beside them)
    ous:
      - ou=sales,dc=example,dc=com
      - ou=engineering,dc=example,dc=com
    # the defaults: searched by voiceboxMailboxNumber, settings in voiceboxUserData
    # (AD: attributes: { userData: info } and so on; see src/directory/README.md)
  # voicebox's own files beside the lab's data, not beside this config
  localSettings: $DIR/local-settings.json
  lastKnown: $DIR/last-known-entries.json

login:
  wrongPinLog: $DIR/wrong-pin.log

mail:
  domain: example.com
  spool: $DIR/spool
  smtp:
    host: 127.0.0.1
    port: $SMTP_PORT
    # STARTTLS + AUTH instead, the certificate verified against the lab's CA:
    # port: $SUBMISSION_PORT, starttls: true, ca: $DIR/tls/cert.pem, user: alice, password: alicepw

# remote inquiry reads the owners' mailboxes over IMAP as the master user
mailbox:
  type: imap
  imap:
    host: 127.0.0.1
    port: $IMAP_PORT
    # STARTTLS with the lab's throwaway certificate ($DIR/tls/cert.pem): not verified here
    rejectUnauthorized: false
    access: administrative
    adminMode: master
    masterUser: master
    masterPassword: $MASTER_PW
    masterSeparator: '*'
YAML
}

print_summary() {
  echo "voicebox lab up in ${S_startMs} ms (state $STATE, data $S_dir)"
  server_states
  echo "  LDAP bind $LDAP_BIND_DN / $LDAP_BIND_PW, base dc=example,dc=com; users alice bob wang carol dave erin emma felix, password <uid>pw"
  echo "  IMAP master user: <uid>*master / $MASTER_PW; example config: $S_config"
  [ -z "$S_pushUrl" ] || echo "  Dovecot posts mailbox changes to $S_pushUrl (bearer token: push.token in the state file)"
}

cmd_up() {
  lock
  if [ -f "$STATE" ]; then
    load_state
    if all_up; then
      print_summary
      return 0
    fi
    echo "lab: the lab in $S_dir is not complete any more; starting a fresh one" >&2
    stop_dir "$S_dir"
    rm -f "$STATE"
  fi
  check_tools
  local t0 attempt
  t0=$(lab_now_ms)
  for attempt in 1 2 3; do
    if [ -n "${LAB_DIR:-}" ]; then
      DIR=$LAB_DIR
      mkdir -p "$DIR"
      DIR=$(cd "$DIR" && pwd)
    else
      DIR=$(mktemp -d /tmp/voicebox-lab.XXXXXX)
    fi
    touch "$DIR/$MARKER"
    chmod 755 "$DIR"
    lab_check_traversable "$DIR"
    if start_servers; then
      START_MS=$(($(lab_now_ms) - t0))
      write_state
      write_config
      load_state
      print_summary
      return 0
    fi
    # most likely another program took one of the free ports in the meantime: new ports, new dir
    stop_dir "$DIR"
    [ -n "${LAB_PORT_BASE:-}" ] && break
    echo "lab: start attempt $attempt failed" >&2
  done
  echo "lab: could not start the lab" >&2
  return 1
}

cmd_down() {
  lock
  if [ ! -f "$STATE" ]; then
    echo "lab: not running (no $STATE)"
    return 0
  fi
  load_state
  stop_dir "$S_dir"
  if any_up; then
    echo "lab: some servers did not stop:" >&2
    server_states >&2
    return 1
  fi
  rm -f "$STATE" "$S_config"
  echo "voicebox lab down (removed $S_dir)"
}

cmd_status() {
  if [ ! -f "$STATE" ]; then
    echo "voicebox lab: not running (no $STATE)"
    return 3
  fi
  load_state
  if all_up; then
    print_summary
    return 0
  fi
  echo "voicebox lab: partly down (state $STATE, data $S_dir); npm run lab:up starts a fresh one"
  server_states
  return 1
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
