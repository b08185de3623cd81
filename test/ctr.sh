#!/bin/sh
# See LICENSE file for copyright and license details.
#
# Containers as services: run -d and its supervisor, ps, logs, stop,
# kill, rm, start, restart and --restart, names, stale states, and
# nothing left behind after many cycles.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "containers" "needs root"
	finish
fi
S=$T/store
p import "$ALPINE" alpine >/dev/null || { skip "containers" "import failed"; finish; }
# the test's own bridge and range, as net.sh's
PIECES_BRIDGE=pc$$
PIECES_NET=198.19.$(($$ % 250)).0/24
export PIECES_BRIDGE PIECES_NET
atexit "ip link del $PIECES_BRIDGE; rm -rf /run/pieces/net/$PIECES_BRIDGE"
# every container the test made, killed and removed at the end
atexit "p ps -aq --no-trunc | xargs -r $PIECES -r $S rm -f"
BB=
if command -v busybox >/dev/null && file -L "$(command -v busybox)" | grep -q 'statically linked'; then
	BB=$(command -v busybox)
fi
# what of the test's runs on the host: its supervisors and inits
procs() {
	for d in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q -e "-r $S " && echo "${d#/proc/}"
	done 2>/dev/null | wc -l
}
# whether process $1 has ended: gone, or a zombie its adopter has not reaped
ended() {
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat" 2>/dev/null
}
# the state of container $1, one field: "status":"running" as status:running
field() {
	sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$S/containers/$(readlink "$S/names/$1")/state.json" 2>/dev/null
}
# waits up to 5 s for container $1's ps STATUS to start with $2
waitfor() {
	_i=0
	while [ $_i -lt 50 ]; do
		status "$1" | grep -q "^$2" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# container $1's STATUS in ps -a: the fifth column (the ones before are never empty)
status() {
	p ps -a | awk -F '   +' -v n="$1" '$NF == n { print $5 }'
}

# foreground runs: a state while they run, removed unless named
run p run --net none alpine sh -c 'ls /dev/null >/dev/null'
is "run: a container without --name leaves no state" "$rc:$(p ps -aq | wc -l)" "0:0"
run p run --net none --name once alpine sh -c 'exit 3'
is "run --name: kept when it exits, with its status" "$rc:$(status once)" "3:Exited (3) Less than a second ago"
fails "... its name is its own: a second is refused" 125 "container name once: in use" \
	p run --net none --name once alpine true
ok "rm removes it" p rm once
run p run --net none --name once alpine true
is "... and its name is free again" "$rc:$(p rm once)" "0:once"
fails "--name: a bad name is refused" 125 "bad container name" p run --net none --name ../x alpine true
fails "--rm and --restart cannot go together" 125 "cannot be both" \
	p run --rm --restart always alpine true
fails "-d and -i cannot go together" 125 "stdin is /dev/null" p run -d -i alpine true
fails "--restart: an unknown policy" 125 "want no, always" p run --restart sometimes alpine true

# run -d: the id, at once, and a supervisor that outlives the shell
run setsid sh -c "'$PIECES' -r '$S' run -d --net none --name tick alpine sh -c \
	'echo start; i=0; while :; do echo out \$i; echo err \$i >&2; i=\$((i + 1)); sleep 0.2; done'; kill -HUP 0"
is "run -d prints the container's id, its shell gone and hung up" \
	"$(grep -c '^[0-9a-f]\{64\}$' "$T/out")" 1
sleep 0.5
is "... and it runs on" "$(status tick | cut -c1-2)" "Up"
run p ps -q
is "ps -q: its short id" "$(cat "$T/out")" "$(head -c 12 "$T/out")"
run p logs tick
is "logs: what it wrote to stdout" "$(head -2 "$T/out" | tr '\n' ' ')" "start out 0 "
is "... and to stderr, apart" "$(head -1 "$T/err")" "err 0"
run p logs --tail 1 tick
is "logs --tail 1: one line of each stream's last" "$(wc -l <"$T/out")$(wc -l <"$T/err")" "01"
p logs -t tick >"$T/ts" 2>/dev/null
is "logs -t: each line's time" "$(head -1 "$T/ts" | grep -c '^20[0-9-]*T[0-9:.]*Z start$')" 1
p logs -f tick >"$T/follow" 2>/dev/null &
lf=$!
sleep 1
n1=$(grep -c '^out' "$T/follow")
sleep 0.6
n2=$(grep -c '^out' "$T/follow")
is "logs -f follows what comes" "$((n2 > n1))" 1
t0=$(date +%s%N)
run p stop -t 5 tick
t1=$(date +%s%N)
is "stop: a command that ends on SIGTERM stops at once" \
	"$rc:$(cat "$T/out"):$(( (t1 - t0) / 1000000 < 2000 ))" "0:tick:1"
i=0
while kill -0 $lf 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
is "... and logs -f ends with it" "$(kill -0 $lf 2>/dev/null; echo $?)" 1
is "ps -a: stopped, by SIGTERM" "$(status tick | cut -d' ' -f1-2)" "Exited (143)"
is "ps: not among the running" "$(p ps -q | wc -l)" 0

# start: again, as it was run
run p start tick
is "start runs it again, saying its name" "$rc:$(cat "$T/out")" "0:tick"
waitfor tick Up
is "... and it runs" "$(status tick | cut -c1-2)" "Up"
run p rm tick
is "rm refuses a running container" "$rc:$(grep -c 'stop it first, or rm -f' "$T/err")" "1:1"
ok "kill -s USR1 reaches its command" p kill -s USR1 tick
waitfor tick Exited
is "... which dies of it" "$(status tick | cut -d' ' -f1-2)" "Exited (138)"
fails "kill of a stopped container is refused" 1 "tick: container is not running" p kill tick
ok "rm removes a stopped one" p rm tick

# stop's grace period, then SIGKILL
p run -d --net none --name stubborn alpine sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
sleep 0.3
t0=$(date +%s%N)
run p stop -t 1 stubborn
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
is "stop -t 1: a command that ignores SIGTERM gets its second, then SIGKILL" \
	"$rc:$((ms >= 1000 && ms < 4000)):$(status stubborn | cut -d' ' -f1-2)" "0:1:Exited (137)"
p run -d --net none --name stubborn2 alpine sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
run p rm -f stubborn stubborn2
is "rm -f kills and removes" "$rc:$(p ps -aq | wc -l)" "0:0"

# --restart
p run -d --net none --name flaky --restart on-failure:3 alpine sh -c 'echo run; exit 7' >/dev/null
i=0
while [ "$(field flaky restarting)" != false ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
is "--restart on-failure:3: restarted exactly three times" \
	"$(p logs flaky | grep -c run):$(field flaky restarts):$(status flaky | cut -d' ' -f1-2)" "4:3:Exited (7)"
p run -d --net none --name fine --restart on-failure alpine true >/dev/null
sleep 0.5
is "--restart on-failure: not after a success" "$(field fine restarts):$(status fine | cut -d' ' -f1-2)" \
	"0:Exited (0)"
p run -d --net none --name always --restart always alpine sh -c 'sleep 0.2; exit 1' >/dev/null
sleep 1
is "--restart always: again and again" "$(( $(field always restarts) >= 2 ))" 1
run p stop always
sleep 0.6
r1=$(field always restarts)
sleep 0.5
is "... until stopped, which stays stopped" "$rc:$(field always restarts):$(field always restarting)" \
	"0:$r1:false"

# a killed supervisor: stale, never running, and rm cleans it
p run -d --net none --name orphan --restart always alpine sleep 1000 >/dev/null
sleep 0.3
sup=$(field orphan supervisor)
init=$(field orphan pid)
kill -9 "$sup"
sleep 0.3
is "kill -9 of the supervisor: its container dies with it" "$(ended "$init"; echo $?)" 0
is "... and ps says it is stale" "$(status orphan)" "Stale (its supervisor is gone)"
fails "... which exec refuses" 125 "not running" p exec orphan true
p run -d --net none --name until --restart unless-stopped alpine sleep 1000 >/dev/null
p stop -t 0 until >/dev/null
run p start --all
is "start --all brings back the --restart always ones, stopped by the user too, as Docker's boot" \
	"$rc:$(sort "$T/out" | tr '\n' ' ')" "0:always orphan "
waitfor orphan Up
is "... and they run; an unless-stopped one the user stopped stays stopped" \
	"$(status orphan | cut -c1-2):$(status always | cut -c1-2):$(status until | cut -c1-2)" "Up:Up:Ex"
p rm -f always until >/dev/null
# another boot: its states are stale whatever runs at those pids
p stop -t 0 orphan >/dev/null
sed -i 's/"boot":"[^"]*"/"boot":"another-boot"/; s/"status":"stopped"/"status":"running"/' \
	"$S/containers/$(readlink "$S/names/orphan")/state.json"
is "a state from another boot is stale" "$(status orphan)" "Stale (its supervisor is gone)"
run p rm orphan
is "rm cleans a stale one" "$rc:$(p ps -aq | grep -c .)" "0:2"
p rm flaky fine >/dev/null

# a published port, reachable while it runs; no supervisor, relay,
# interface or lease after
if [ -n "$BB" ] && command -v ip >/dev/null; then
	PORT=$((20000 + $$ % 20000))
	mkdir -p "$T/www"
	echo hello >"$T/www/index.html"
	run p run -d --name web -p 127.0.0.1:$PORT:8080 -v "$BB:/busybox:ro" -v "$T/www:/www:ro" \
		alpine /busybox httpd -f -p 8080 -h /www
	i=0
	until wget -q -O "$T/got" "http://127.0.0.1:$PORT/" 2>/dev/null || [ $i -ge 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	is "run -d -p: the port serves while it runs" "$(cat "$T/got" 2>/dev/null)" hello
	is "ps: its ports" "$(p ps | grep -c "127.0.0.1:$PORT->8080/tcp")" 1
	fails "... a second container cannot have the port" 125 "in use" \
		p run -d --name web2 -p 127.0.0.1:$PORT:8080 alpine true
	run p rm -f web
	is "rm -f: gone" "$rc:$(wget -q -T 2 -O - "http://127.0.0.1:$PORT/" 2>/dev/null)" "0:"
	is "... nothing of it left: processes, interfaces, leases" \
		"$(procs):$(ip -o link show master $PIECES_BRIDGE 2>/dev/null | wc -l):$(ls /run/pieces/net/$PIECES_BRIDGE 2>/dev/null | grep -vc made)" \
		"0:0:0"
else
	skip "run -d -p" "no static busybox or ip(8)"
fi

# the attacks the review found, as a hostile image or a user's habits
# would make them
mkdir "$T/h"
tar -xzf "$ALPINE" -C "$T/h"
# a user named 1000 whose uid is 0: -u 1000 must be uid 1000, never root
sed -i '1i 1000:x:0:0:looks like uid 1000:/root:/bin/sh' "$T/h/etc/passwd"
sed -i '1i 1000:x:0:' "$T/h/etc/group"
# a user in more groups than a state keeps
awk 'BEGIN { for (i = 0; i < 1100; i++) printf "g%d:x:%d:many\n", i, 20000 + i }' >>"$T/h/etc/group"
echo 'many:x:1500:1500::/:/bin/sh' >>"$T/h/etc/passwd"
tar -czf "$T/h.tgz" -C "$T/h" . && p import "$T/h.tgz" hostile >/dev/null
run p run --net none -u 1000 hostile sh -c 'id -u; grep CapEff /proc/self/status'
is "-u 1000: a name 1000 with uid 0 in the image is no uid" "$(tr '\n' ' ' <"$T/out")" \
	"1000 CapEff:	0000000000000000 "
p run -d --net none --name num -u 1000:1000 hostile sleep 100 >/dev/null
is "... nor for exec" "$(p exec -u 1000 num id -u):$(p exec num id -g)" "1000:1000"
p rm -f num >/dev/null
fails "a user in more than 1024 groups is refused, not kept unreadably" 125 "more than 1024 groups" \
	p run -d --net none --name many -u many hostile true
# start from elsewhere: the volume -v . named, the -e NAME value given
mkdir "$T/app" "$T/elsewhere"
touch "$T/app/the-app"
(cd "$T/app" && FOO=at-run "$PIECES" -r "$S" run -d --net none --name rel -v .:/app -e FOO \
	alpine sh -c 'ls /app; echo $FOO' >/dev/null)
waitfor rel Exited
(cd "$T/elsewhere" && FOO=at-start "$PIECES" -r "$S" start rel >/dev/null)
waitfor rel Up
waitfor rel Exited
is "start from another directory: -v . is run's, -e FOO run's value" \
	"$(p logs rel | sort -u | tr '\n' ' ')" "at-run the-app "
p rm rel >/dev/null
# start during a restart's back-off: one supervisor a container
mkdir "$T/runs"
p run -d --net none --name loop --restart always -v "$T/runs:/r" alpine sh -c 'echo x >>/r/n; exit 1' >/dev/null
sleep 2
p start --all >/dev/null
# a supervisor's logger is its child, with its command line
ps -eo pid=,ppid=,args= | grep -v grep | grep " $PIECES -r $S run -d --net none --name loop" >"$T/sups"
is "start --all while it waits to restart: still one supervisor" \
	"$(awk 'NR == FNR { p[$1] = 1; next } !($2 in p)' "$T/sups" "$T/sups" | wc -l)" 1
p rm -f loop >/dev/null
n=$(wc -l <"$T/runs/n")
sleep 2
is "... and rm -f ends its restarts" "$(wc -l <"$T/runs/n"):$(procs)" "$n:0"
# an image's command with terminal escapes, listed
printf 'FROM alpine\nCMD ["sleep", "100\\u001b]0;owned\\u0007"]\n' >"$T/Piecefile"
p build --network none -t esc "$T" >/dev/null 2>&1
p run -d --net none --name esc esc >/dev/null
is "ps: an image's control bytes never reach the terminal" "$(p ps -a | od -c | grep -c '033\|007')" 0
p rm -f esc >/dev/null

# rmi keeps what a container was run from
p run --net none --name keep alpine true
fails "rmi: an image a kept container was run from stays" 1 "used by stopped container keep" p rmi alpine
p rm keep >/dev/null

# many cycles leave nothing behind
mounts0=$(mounts)
cg0=$(find /sys/fs/cgroup -path '*/pieces/*' -maxdepth 4 -type d 2>/dev/null | wc -l)
bad=0
i=0
while [ $i -lt 100 ]; do
	p run -d --name cyc alpine sleep 100 >/dev/null &&
	p stop -t 0 cyc >/dev/null && p rm cyc >/dev/null || bad=$((bad + 1))
	i=$((i + 1))
done
is "100 cycles of run -d, stop, rm: all fine" "$bad" 0
is "... leaving no process, mount, cgroup, interface, lease or state" \
	"$(procs):$(mounts):$(($(find /sys/fs/cgroup -path '*/pieces/*' -maxdepth 4 -type d 2>/dev/null | wc -l) <= cg0)):$(ip -o link show master $PIECES_BRIDGE 2>/dev/null | wc -l):$(ls /run/pieces/net/$PIECES_BRIDGE 2>/dev/null | grep -vc made):$(find "$S/containers" "$S/names" -mindepth 1 | wc -l)" \
	"0:$mounts0:1:0:0:0"
finish
