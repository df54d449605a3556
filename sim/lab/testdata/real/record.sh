#!/usr/bin/env bash
# record.sh: records what the real tools print, as a person at a terminal sees it, into
# NAME.txt files beside this script (the lab's reference transcripts; see README.md).
#
# Two throwaway hosts made of Linux namespaces (network, PID, mount, UTS) joined by a veth pair:
#   laptop 10.0.0.10   nothing running; /etc/resolv.conf -> nameserver 10.0.0.20
#   web    10.0.0.20   nginx (Debian's default config, a master and 2 workers) on 80 serving a
#                      6-byte "hello\n" page, vsftpd on 21, dnsmasq on 10.0.0.20:53
#                      (web.town. -> 10.0.0.20, laptop.town. -> 10.0.0.10, two.town. -> both
#                      10.0.0.20 and 10.0.0.21); for the no-server cases dnsmasq is stopped
#                      (refused), then web's nftables drops UDP to port 53 (timeout)
# Every transcript is typed into an interactive `bash --norc -i` on a real pseudo-terminal
# (util-linux script), PS1='laptop$ ' or 'web$ ', one line at a time, Enter sent as \r, and the
# terminal's output is kept as printed (only the \r before each \n is dropped). As in
# shared/tools/real_transcripts.sh, the terminal has no window size and COLUMNS=150: ss prints
# its compact layout, ps cuts lines at 150 columns.
#
# Needs root on Debian 12; installs what is missing with apt-get (services are not started on
# this machine). Uses only loopback and the namespaces' own 10.0.0.0/24. Idempotent: it
# overwrites the .txt files, and removes every namespace, process and temporary file it made.
# Usage: sudo bash record.sh        (takes about 7 minutes)
set -u
OUT=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "record.sh: run me as root" >&2; exit 1; }
export LC_ALL=C

# --- packages ------------------------------------------------------------------------------
PKGS="bash coreutils curl netcat-openbsd nginx iproute2 procps iputils-ping bind9-dnsutils bind9-host dnsmasq
      net-tools lsof inetutils-telnet wget python3 util-linux vsftpd nftables"
missing=""
for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "record.sh: installing$missing" >&2
  # policy-rc.d 101: do not start nginx, dnsmasq or vsftpd on this machine while installing
  nopolicy=0; [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; nopolicy=1; }
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
  rc=$?; [ $nopolicy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || { echo "record.sh: apt-get install failed" >&2; exit 1; }
fi
declare -A VER
for p in $PKGS; do VER[$p]=$(dpkg-query -W -f='${Version}' "$p"); done
KERNEL=$(uname -r | cut -d- -f1); TODAY=$(date -u +%F)
recorded() { # PKG...: the "# recorded:" value
  local s="Debian 12" p
  for p in "$@"; do s="$s, $p ${VER[$p]}"; done
  echo "$s, Linux $KERNEL, $TODAY"
}

# --- hosts ---------------------------------------------------------------------------------
MARK=/etc/netns/.portville-record   # (not in /etc/netns/NAME/: ip netns exec would bind it)
TMPD=""
declare -A INIT UNSH
teardown() { # removes what this script made (the marker file says it made the namespaces)
  local h
  if [ ! -e $MARK ]; then [ -n "$TMPD" ] && rm -rf "$TMPD"; return 0; fi
  for h in web laptop; do
    if ip netns list 2>/dev/null | grep -qE "^$h( |$)"; then
      ip netns pids $h 2>/dev/null | xargs -r kill -9 2>/dev/null
    fi
  done
  sleep 0.3
  for h in web laptop; do ip netns list 2>/dev/null | grep -qE "^$h( |$)" && ip netns del $h; done
  rm -rf /etc/netns/laptop /etc/netns/web; rm -f $MARK
  rmdir /etc/netns 2>/dev/null
  [ -n "$TMPD" ] && rm -rf "$TMPD"
}
for h in laptop web; do
  if { ip netns list 2>/dev/null | grep -qE "^$h( |$)" || [ -e /etc/netns/$h ]; } && [ ! -e $MARK ]; then
    echo "record.sh: a network namespace (or /etc/netns/$h) named $h exists and was not made by me; not touching it" >&2; exit 1
  fi
done
teardown                      # what an interrupted earlier run may have left
rm -rf /tmp/portville-record.* 2>/dev/null
TMPD=$(mktemp -d /tmp/portville-record.XXXXXX); chmod 755 "$TMPD"
trap teardown EXIT
trap 'exit 130' INT TERM

mkdir -p /etc/netns/laptop /etc/netns/web && touch $MARK
echo "nameserver 10.0.0.20" >/etc/netns/laptop/resolv.conf
echo "nameserver 10.0.0.20" >/etc/netns/web/resolv.conf
for h in laptop web; do
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' $h >/etc/netns/$h/hosts
  echo $h >/etc/netns/$h/hostname
done
ip netns add laptop && ip netns add web || exit 1
ip link add pvrec-l type veth peer name pvrec-w || exit 1
ip link set pvrec-l netns laptop; ip link set pvrec-w netns web
ip -n laptop link set pvrec-l name eth0; ip -n web link set pvrec-w name eth0
ip -n laptop addr add 10.0.0.10/24 dev eth0; ip -n web addr add 10.0.0.20/24 dev eth0
for h in laptop web; do ip -n $h link set lo up; ip -n $h link set eth0 up; done

# PID 1 of each host: a tiny reaper (so orphans, like nginx's workers after kill -9 of their
# master, are reparented to PID 1 and reaped), shown by ps as "init" / "/sbin/init"
cat >"$TMPD/init.py" <<'PY'
import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
while True:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    signal.sigwait([signal.SIGCHLD])
PY
cp "$(readlink -f /usr/bin/python3)" "$TMPD/init"
for h in laptop web; do
  ip netns exec $h unshare -pfu --mount-proc --kill-child \
    bash -c "hostname $h; exec -a /sbin/init $TMPD/init < $TMPD/init.py" 2>/dev/null &
  UNSH[$h]=$!; disown
  for _ in $(seq 1 50); do INIT[$h]=$(pgrep -P ${UNSH[$h]} | head -n1); [ -n "${INIT[$h]}" ] && break; sleep 0.1; done
  [ -n "${INIT[$h]}" ] || { echo "record.sh: no init for $h" >&2; exit 1; }
done
# run a command on a host, outside any terminal (for setting hosts up)
at() { local h=$1; shift; nsenter -t "${INIT[$h]}" -n -p -m -u --wd=/root "$@"; }

# web's own /run, logs and the hello page, in web's mount namespace only
mkdir -p "$TMPD/www" "$TMPD/ftp" && printf 'hello\n' >"$TMPD/www/index.html" && printf 'hello\n' >"$TMPD/ftp/notes.txt"
chmod 755 "$TMPD/www" && chmod 644 "$TMPD/www/index.html" && chmod 555 "$TMPD/ftp"
cat >"$TMPD/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$TMPD/ftp
local_enable=NO
write_enable=NO
pasv_enable=YES
background=YES
seccomp_sandbox=NO
secure_chroot_dir=$TMPD/ftp
xferlog_enable=NO
CONF
cat >"$TMPD/dnsmasq.conf" <<CONF
no-resolv
no-hosts
local=/#/
host-record=web.town,10.0.0.20
host-record=laptop.town,10.0.0.10
host-record=two.town,10.0.0.20
host-record=two.town,10.0.0.21
listen-address=10.0.0.20
bind-interfaces
pid-file=/run/dnsmasq.pid
CONF
at web sh -ec "
  mount -t tmpfs tmpfs /run
  mount -t tmpfs tmpfs /var/log/nginx
  mount -t tmpfs tmpfs /var/lib/nginx
  mount --bind $TMPD/www /var/www/html
  mount --bind $TMPD/vsftpd.conf /etc/vsftpd.conf
  mount --bind $TMPD/dnsmasq.conf /etc/dnsmasq.conf
"
if [ "$(nproc)" != 2 ]; then   # the default "worker_processes auto;" gives 2 workers on 2 cores
  sed 's/^worker_processes auto;/worker_processes 2;/' /etc/nginx/nginx.conf >"$TMPD/nginx.conf"
  at web mount --bind "$TMPD/nginx.conf" /etc/nginx/nginx.conf
fi
NGINX_START="/usr/sbin/nginx -g 'daemon on; master_process on;'"   # as Debian's nginx.service
start_nginx() { at web sh -c "$NGINX_START" </dev/null >/dev/null 2>&1; sleep 0.5; }
start_nginx
at web /usr/sbin/vsftpd /etc/vsftpd.conf </dev/null >/dev/null 2>&1
at web /usr/sbin/dnsmasq </dev/null >/dev/null 2>&1
sleep 0.5

# --- the terminal ------------------------------------------------------------------------------
printf 'set enable-bracketed-paste off\n' >"$TMPD/inputrc"
for h in laptop web; do
  cat >"$TMPD/shell-$h" <<SH
#!/bin/sh
exec env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=xterm-256color LANG=C.UTF-8 COLUMNS=150 LINES=50 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin INPUTRC=$TMPD/inputrc \
  PS1='$h\$ ' PROMPT_COMMAND="echo \\\$? >>\$RCFILE" bash --norc -i
SH
  chmod 755 "$TMPD/shell-$h"
done
cat >"$TMPD/fmt.py" <<'PY'
# fmt.py MODE RAW RC TYPED PROMPT HOST RECORDED OUT: writes one transcript file
import re, sys
mode, raw, rc, typed, prompt, host, recorded, out = sys.argv[1:9]
data = re.sub(rb'\r+\n', b'\n', open(raw, 'rb').read())
p = prompt.encode()
rcs = open(rc).read().split()
lines = [l.rstrip('\n') for l in open(typed, encoding='utf-8', errors='surrogateescape')]
if lines and lines[-1] == 'command\texit':
    lines = lines[:-1]
end = data.rfind(p + b'exit\n')
notes = []
if end < 0:
    end = len(data); notes.append('the shell did not come back to a prompt')
if mode == 'single':
    first = lines[0].split('\t', 1)[1]
    i = data.find(p + first.encode() + b'\n')
    start = i + len(p) + len(first) + 1 if i >= 0 else data.find(b'\n', data.find(p)) + 1
    status = rcs[1] if len(rcs) > 1 else '?'
else:
    start = data.find(p)
    status = rcs[-1] if rcs else '?'
body = data[start:end]
with open(out, 'wb') as f:
    for l in lines:
        kind, text = l.split('\t', 1)
        f.write(('# %s: %s\n' % (kind, text)).encode('utf-8', 'surrogateescape'))
    f.write(('# host: %s\n# recorded: %s\n' % (host, recorded)).encode())
    f.write(body)
    if body and not body.endswith(b'\n'):
        f.write(b'\n'); notes.append('no newline at the end of the output')
    f.write(('[exit %s]\n' % status).encode())
for n in notes:
    print('record.sh: %s: %s' % (out.rsplit('/', 1)[-1], n), file=sys.stderr)
PY

# Feeder helpers (they run in the pipe into script, and watch the terminal's output in $RAW).
nprompts() { grep -aoF "$PS" "$RAW" 2>/dev/null | wc -l; }
waitp() { # N [SECONDS]: wait until the terminal has shown N prompts
  local n=$1 t=$(( ${2:-20} * 10 )) i=0
  while [ "$(nprompts)" -lt "$n" ]; do sleep 0.1; i=$((i+1)); [ $i -ge $t ] && return 1; done
  return 0
}
cmd() { # LINE: type a command line at the prompt (Enter is \r, as a terminal sends it)
  printf 'command\t%s\n' "$1" >>"$TYPED"; printf '%s\r' "$1"
}
inp() { # LINE: type a line into the program that runs
  printf 'input\t%s\n' "$1" >>"$TYPED"; printf '%s\r' "$1"
}
key() { # ^C|^Z|^D: a control key
  printf 'input\t%s\n' "$1" >>"$TYPED"
  case $1 in ^C) printf '\003';; ^Z) printf '\032';; ^D) printf '\004';; esac
}
bye() { sleep 0.3; cmd exit; sleep 0.5; }
lastpid() { grep -aoE '\[[0-9]+\] [0-9]+' "$RAW" | tail -n1 | cut -d' ' -f2; }

session() { # HOST NAME MODE FEEDER WD PKG...: run FEEDER into a fresh shell on HOST, write NAME.txt
  local h=$1 name=$2 mode=$3 feeder=$4 wd=$5; shift 5
  local RAW="$TMPD/$name.raw" TYPED="$TMPD/$name.typed" PS="$h\$ "
  local RCFILE="$TMPD/$name.rc"
  : >"$RAW"; : >"$TYPED"; : >"$RCFILE"
  $feeder | RCFILE=$RCFILE timeout 300 script -qfc \
    "nsenter -t ${INIT[$h]} -n -p -m -u --wd=$wd $TMPD/shell-$h" /dev/null >"$RAW" 2>&1
  python3 "$TMPD/fmt.py" "$mode" "$RAW" "$RCFILE" "$TYPED" "$PS" "$h" "$(recorded bash "$@")" "$OUT/$name.txt"
  echo "record.sh: $name.txt" >&2
}
# one HOST NAME 'COMMAND' PKG...: type one command and wait for the prompt (up to $TMO s, then ^C)
one() {
  local h=$1 name=$2; ONE_CMD=$3; shift 3
  session "$h" "$name" single feed_one "${WD:-/root}" "$@"
}
feed_one() {
  waitp 1; sleep 0.3; cmd "$ONE_CMD"
  waitp 2 "${TMO:-20}" || { key ^C; waitp 2 5; }
  bye
}

# --- transcripts --------------------------------------------------------------------------------
# A. the laptop, fresh
one laptop ps-eo-pid-comm 'ps -eo pid,comm' procps
one laptop ip-route 'ip route' iproute2
one laptop ip-4-addr 'ip -4 addr' iproute2
one laptop ip-local-port-range 'cat /proc/sys/net/ipv4/ip_local_port_range'
one laptop kill-l 'kill -l'
one laptop nosuchtool 'nosuchtool'
one laptop kill-nosuch 'kill 99999'
one laptop ip-r 'ip r' iproute2
one laptop ip-route-get 'ip route get 10.0.0.20' iproute2
one laptop resolv-conf 'cat /etc/resolv.conf'
one web ip-route-web 'ip route' iproute2

# 1. job control
feed_jobs_nc() {
  waitp 1; sleep 0.3; cmd 'nc 10.0.0.20 80 &'; waitp 2; sleep 1
  cmd 'jobs'; waitp 3; sleep 1
  cmd 'fg'; sleep 1.5
  key ^C; waitp 4; bye
}
session laptop bash-jobs-nc session feed_jobs_nc /root netcat-openbsd
feed_jobs_sleep_kill() {
  waitp 1; sleep 0.3; cmd 'sleep 30 &'; waitp 2; sleep 0.5
  cmd 'jobs'; waitp 3; sleep 0.5
  cmd 'kill %1'; waitp 4; sleep 0.5
  cmd ''; waitp 5; bye
}
session laptop bash-jobs-sleep-kill session feed_jobs_sleep_kill /root coreutils
feed_jobs_ctrl_z() {
  waitp 1; sleep 0.3; cmd 'sleep 30'; sleep 1
  key ^Z; waitp 2; sleep 0.5
  cmd 'jobs'; waitp 3; sleep 0.5
  cmd 'bg'; waitp 4; sleep 0.5
  cmd 'jobs'; waitp 5; sleep 0.5
  cmd 'kill %1'; waitp 6; sleep 0.5
  cmd ''; waitp 7; bye
}
session laptop bash-jobs-ctrl-z session feed_jobs_ctrl_z /root coreutils
feed_web_client() { # web's side of bash-jobs-misc: connects to laptop's nc -lv 7000 and says a line
  waitp 1; sleep 0.3; cmd 'nc 10.0.0.10 7000'; sleep 1
  inp 'hello from web'; sleep 1.5
  key ^C; waitp 2; bye
}
feed_jobs_misc() {
  local n=1 l
  waitp 1
  for l in 'false; echo $?' 'curl -s http://10.0.0.20:81/; echo $?' 'true && echo yes || echo no' \
           'false && echo yes || echo no' 'echo $HOME $USER' 'ss -tan | grep LISTEN | wc -l' 'ps -e | head -3'; do
    sleep 0.3; cmd "$l"; n=$((n+1)); waitp $n
  done
  sleep 0.3; cmd 'nc -lv 7000 &'; n=$((n+1)); waitp $n; sleep 0.5
  session web bash-jobs-misc-web session feed_web_client /root netcat-openbsd &
  local client=$!
  sleep 5
  cmd ''; n=$((n+1)); waitp $n; sleep 0.5
  wait $client
  bye
}
session laptop bash-jobs-misc session feed_jobs_misc /root curl iproute2 procps netcat-openbsd
feed_nc_lvn() { # a listener in the foreground, without DNS (-n); web's client says a line, then ^C
  waitp 1; sleep 0.3; cmd 'nc -lvn 7000'; sleep 0.5
  session web nc-lvn-client session feed_web_client /root netcat-openbsd
  waitp 2 5 || { key ^C; waitp 2 5; }
  bye
}
session laptop nc-lvn-listener single feed_nc_lvn /root netcat-openbsd
feed_kill_hup() {
  waitp 1; sleep 0.3; cmd 'sleep 300 &'; waitp 2; sleep 0.5
  cmd "kill -HUP $(lastpid)"; waitp 3; sleep 0.5
  cmd ''; waitp 4; bye
}
session laptop kill-hup-sleep session feed_kill_hup /root coreutils

# 4. names, ping
one laptop ping-c3 'ping -c 3 10.0.0.20' iputils-ping
TMO=30 one laptop ping-nohost 'ping -c 1 10.0.0.99' iputils-ping
one laptop ping-name 'ping -c 2 web.town' iputils-ping dnsmasq
one laptop dig 'dig web.town' bind9-dnsutils dnsmasq
one laptop dig-short 'dig +short web.town' bind9-dnsutils dnsmasq
one laptop dig-nosuch 'dig nosuch.town' bind9-dnsutils dnsmasq
one laptop host 'host web.town' bind9-host dnsmasq
one laptop nslookup 'nslookup web.town' bind9-dnsutils dnsmasq
one laptop dig-at-server 'dig @10.0.0.20 web.town' bind9-dnsutils dnsmasq
one laptop dig-noedns 'dig +noedns web.town' bind9-dnsutils dnsmasq
one laptop dig-short-nosuch 'dig +short nosuch.town' bind9-dnsutils dnsmasq
one laptop host-nosuch 'host nosuch.town' bind9-host dnsmasq
one laptop nslookup-nosuch 'nslookup nosuch.town' bind9-dnsutils dnsmasq
one laptop dig-two-records 'dig two.town' bind9-dnsutils dnsmasq
one laptop host-two-records 'host two.town' bind9-host dnsmasq
# no DNS server on web: dnsmasq stopped, so web's kernel answers ICMP port unreachable
at web sh -c 'kill $(cat /run/dnsmasq.pid)'; sleep 0.5
TMO=60 one laptop dig-refused 'dig web.town' bind9-dnsutils
TMO=60 one laptop host-refused 'host web.town' bind9-host
TMO=60 one laptop nslookup-refused 'nslookup web.town' bind9-dnsutils
# a DNS server that never answers: dnsmasq runs again, but web's firewall drops UDP to port 53
at web /usr/sbin/dnsmasq </dev/null >/dev/null 2>&1
printf 'table inet pvrec {\n  chain input {\n    type filter hook input priority 0;\n    udp dport 53 drop\n  }\n}\n' >"$TMPD/drop53.nft"
at web nft -f "$TMPD/drop53.nft" || echo "record.sh: nft failed; the *-timeout transcripts will not time out" >&2
TMO=60 one laptop dig-timeout 'dig web.town' bind9-dnsutils dnsmasq nftables
TMO=60 one laptop host-timeout 'host web.town' bind9-host dnsmasq nftables
TMO=60 one laptop nslookup-timeout 'nslookup web.town' bind9-dnsutils dnsmasq nftables
at web nft delete table inet pvrec

# 3. nc edge cases
one laptop nc-s-nosuchaddr 'nc -s 10.0.0.99 10.0.0.20 80' netcat-openbsd
feed_nc_u() {
  waitp 1; sleep 0.3; cmd "$ONE_CMD"
  if waitp 2 1; then bye; return; fi   # nc already gave up
  inp 'hello'; sleep 1.5
  if ! waitp 2 1; then inp 'again'; sleep 1.5; fi
  waitp 2 1 || { key ^C; waitp 2 5; }
  bye
}
ONE_CMD='nc -u 10.0.0.20 9999' session laptop nc-u-closed single feed_nc_u /root netcat-openbsd
ONE_CMD='nc -v -u 10.0.0.20 9999' session laptop nc-v-u-closed single feed_nc_u /root netcat-openbsd
one laptop nc-6-loopback 'nc -6 ::1 80' netcat-openbsd
one laptop nc-v-6-loopback 'nc -v -6 ::1 80' netcat-openbsd
one laptop nc-zv-range 'nc -z -v 10.0.0.20 79-81' netcat-openbsd

# 2. HTTP as nginx serves it
TMO=90 one laptop curl-X-HEAD-v 'curl -X HEAD -v http://10.0.0.20/' curl nginx
one laptop curl-v-missing 'curl -v http://10.0.0.20/missing.html' curl nginx
one laptop curl-f-missing 'curl -f http://10.0.0.20/missing.html' curl nginx
one laptop curl-sI 'curl -sI http://10.0.0.20/' curl nginx
feed_nc_raw() {
  waitp 1; sleep 0.3; cmd 'nc 10.0.0.20 80'; sleep 1
  inp 'GET / HTTP/1.1'; sleep 0.3
  inp 'Host: web'; sleep 0.3
  inp ''; sleep 1.5
  key ^C; waitp 2 5; bye
}
session laptop nc-raw-http11 single feed_nc_raw /root netcat-openbsd nginx
one laptop nc-http10-pipe "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 10.0.0.20 80" netcat-openbsd nginx
one laptop nc-http11-nohost "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | nc -N 10.0.0.20 80" netcat-openbsd nginx
feed_telnet() {
  waitp 1; sleep 0.3; cmd 'telnet 10.0.0.20 80'; sleep 1
  inp 'GET / HTTP/1.0'; sleep 0.3
  inp ''; waitp 2 5 || { key ^C; waitp 2 5; }
  bye
}
session laptop telnet-http10 single feed_telnet /root inetutils-telnet nginx
one laptop telnet-refused 'telnet 10.0.0.20 81' inetutils-telnet
mkdir -p "$TMPD/dl"
WD=$TMPD/dl one laptop wget 'wget http://10.0.0.20/' wget nginx
one laptop wget-O-q 'wget -O - -q http://10.0.0.20/' wget nginx
feed_http_server() { # web: python3 -m http.server 8000 &, a curl from the laptop, kill %1
  waitp 1; sleep 0.3; cmd 'python3 -m http.server 8000 &'; waitp 2; sleep 1.5
  session laptop python-http-server-curl single feed_one /root curl python3
  sleep 1
  cmd ''; waitp 3; sleep 0.3
  cmd 'kill %1'; waitp 4; sleep 0.5
  cmd ''; waitp 5; bye
}
ONE_CMD='curl http://10.0.0.20:8000/' session web python-http-server session feed_http_server /var/www/html python3

# connections as tables, with one connection held open (laptop: sleep 100 | nc 10.0.0.20 80)
at laptop sh -c 'sleep 100 | nc 10.0.0.20 80 >/dev/null 2>&1' </dev/null >/dev/null 2>&1 &
HOLD=$!; sleep 0.5
one web lsof-i 'lsof -i' lsof
one web lsof-i80 'lsof -i :80 -n -P' lsof
one web netstat-tlnp 'netstat -tlnp' net-tools
one web ss-tlnp-web 'ss -tlnp' iproute2
one laptop netstat-tanp 'netstat -tanp' net-tools
one laptop netstat-an 'netstat -an' net-tools
one laptop ss-tano 'ss -tano' iproute2
one laptop ss-s 'ss -s' iproute2
one laptop ss-tlnp 'ss -tlnp' iproute2
at laptop pkill -x sleep; at laptop pkill -x nc; wait $HOLD 2>/dev/null

# web's processes
one web ps-aux 'ps aux' procps
one web nginx-t 'nginx -t' nginx
one web nginx-s-reload 'nginx -s reload' nginx
sleep 1
one web ps-ef-after-reload 'ps -ef' procps
one web nginx-s-stop 'nginx -s stop' nginx
sleep 0.5
one web nginx-s-stop-again 'nginx -s stop' nginx
one web nginx-start 'nginx' nginx
sleep 0.5
one web nginx-start-again 'nginx' nginx
at web nginx -s stop 2>/dev/null; sleep 0.5; start_nginx
one web pkill-nginx 'pkill nginx' procps
sleep 1
one web ps-e-after-pkill 'ps -e' procps
start_nginx
one web ps-ef-before-kill 'ps -ef' procps
MASTER=$(at web cat /run/nginx.pid)
one web kill-9-nginx-master "kill -9 $MASTER" nginx
sleep 0.5
one web ps-ef-after-kill-9 'ps -ef' procps
one web ss-tlnp-after-kill-9 'ss -tlnp' iproute2
one laptop curl-after-kill-9 'curl http://10.0.0.20/' curl nginx
at web pkill -x nginx; sleep 0.5
# pgrep and pkill, with nginx (a master and its workers) running again
start_nginx
one web pgrep-nginx 'pgrep nginx' procps
one web pgrep-l-nginx 'pgrep -l nginx' procps
one web pgrep-a-nginx 'pgrep -a nginx' procps
one web pkill-nosuch 'pkill nosuchprog' procps
one web pkill-usage 'pkill' procps
one web pkill-e-nginx 'pkill -e nginx' procps
sleep 0.5; at web pkill -x nginx; sleep 0.5

rm -f "$OUT"/*.raw
echo "record.sh: done; $(ls "$OUT"/*.txt | wc -l) transcripts in $OUT" >&2
