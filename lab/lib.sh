# Shared helpers for the lab scripts (sourced, not run).

# ms since the epoch, for timings
lab_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# lab_alive PID: the process exists and is not a zombie. A daemon that forked and exited is
# re-parented to PID 1; if PID 1 reaps slowly it lingers as a zombie and `kill -0` still succeeds.
lab_alive() {
  local line
  [ -n "${1:-}" ] && [ -e "/proc/$1/status" ] || return 1
  # bash builtins only: status and lab.sh's checks run this a lot
  while read -r line; do
    case $line in State:*Z*) return 1 ;; State:*) return 0 ;; esac
  done 2>/dev/null <"/proc/$1/status"
  return 1
}

# lab_pid_is PID NAME: the pid belongs to a process called NAME (guards against a recycled pid
# from an old state file: never signal a stranger)
lab_pid_is() {
  local comm=''
  lab_alive "$1" && read -r comm 2>/dev/null <"/proc/$1/comm" && [ "$comm" = "$2" ]
}

# lab_stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL. Succeeds when the process is gone.
lab_stop_pid() {
  local pid=$1 name=$2 i
  lab_pid_is "$pid" "$name" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 400); do
    lab_alive "$pid" || return 0
    sleep 0.025
  done
  echo "lab: $name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.1
  ! lab_alive "$pid"
}

# lab_wait_greeting PORT PATTERN: wait up to 5 s for a server greeting matching PATTERN on
# 127.0.0.1:PORT. The read has its own timeout: a throttled Dovecot accepts and says nothing.
lab_wait_greeting() {
  local port=$1 pattern=$2 i
  for i in $(seq 1 200); do
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 16 <&3 | grep -q '$pattern'" 2>/dev/null && return 0
    sleep 0.025
  done
  return 1
}

# lab_check_traversable DIR: the unprivileged daemon users (vmail, postfix, dovecot) must be able
# to traverse every parent of DIR; mkdtemp makes 0700 directories.
lab_check_traversable() {
  local p=$1
  while [ "$p" != / ]; do
    p=$(dirname "$p")
    case $(stat -c %A "$p") in
      *x | *t) ;;
      *)
        echo "lab: $p is not world-traversable (o+x), so the daemons cannot reach $1; chmod o+x it or use another dir" >&2
        return 1
        ;;
    esac
  done
}

# lab_mail_only_users: "uid password mail" of the lab's mailboxes that are no directory users:
# `notifier-off` receives the notifier's reset mails (notify.reset.mailbox), `smsgw` stands in for
# an e-mail-to-SMS provider (every address @sms.example.com is delivered to it, as a provider
# would take +4917612345678@sms.example.com).
lab_mail_only_users() {
  echo "notifier-off notifieroffpw notifier-off@example.com"
  echo "smsgw smsgwpw smsgw@example.com"
  # the notification tests' own owners (a users file of their own, no LDAP entry) and reset
  # mailbox: their mailboxes change under no other test
  echo "nora norapw nora@example.com"
  echo "noah noahpw noah@example.com"
  echo "lamps-off lampsoffpw lamps-off@example.com"
  echo "pia piapw pia@example.com"
  echo "paul paulpw paul@example.com"
  # the web page tests' own owners (a users file of their own): `walt` for the messages page over
  # IMAP, `wera` for the browser test; no other test reads or changes their mailboxes
  echo "walt waltpw walt@example.com"
  echo "wera werapw wera@example.com"
}

# lab_seed_users LDIF: "uid password mail" for each entry of the LDIF that has all three, so
# Dovecot's users and Postfix's mailbox list always match the LDAP seed.
lab_seed_users() {
  awk 'BEGIN { RS = ""; FS = "\n" }
    {
      uid = ""; pw = ""; mail = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^uid: /) uid = substr($i, 6)
        else if ($i ~ /^userPassword: /) pw = substr($i, 15)
        else if ($i ~ /^mail: /) mail = substr($i, 7)
      }
      if (uid != "" && pw != "" && mail != "") print uid, pw, mail
    }' "$1"
}

# lab_read_pid FILE: the pid in a pid file (Postfix pads it with spaces), or nothing
lab_read_pid() {
  local pid=''
  { read -r pid <"$1"; } 2>/dev/null || true
  echo "${pid// /}"
}
