#!/bin/sh
# See LICENSE file for copyright and license details.
#
# Resource limits on this host's cgroups (v1 controllers here; v2 is
# tested in the initramfs VM, test/vm.sh): memory with its OOM report,
# pids against a fork bomb, CPU bandwidth and shares, limits on a build's
# RUN, and no cgroup left behind, after many runs or a pieces killed.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "cgroups" "needs root"
	finish
fi
S=$T/store
p import "$ALPINE" alpine || { skip "cgroups" "import failed"; finish; }
# the cgroups this test's pieces made, in every hierarchy: those whose
# owner (the pid in the name) runs on this store, or is dead
ours() {
	find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -type d -path '*/pieces/*' 2>/dev/null |
	while read -r d; do
		o=${d##*/}
		o=${o%%-*}
		if [ ! -e "/proc/$o" ] || tr '\0' ' ' <"/proc/$o/cmdline" | grep -q "$S"; then
			echo "$d"
		fi
	done | wc -l
}
have() {
	grep -q "^$1[[:space:]].*[[:space:]]1\$" /proc/cgroups
}
before=$(ours)

if have memory; then
	fails "--memory: a hog is killed" 137 "the container hit its memory limit of 32.0M: killed" \
		p run --memory 32m alpine sh -c 'tail /dev/zero'
	ok "--memory: what fits runs" p run --memory 64m alpine sh -c 'head -c 8000000 /dev/zero | tail -c 1 >/dev/null'
	# the writable layer is memory too: a tmpfs the container fills
	fails "--memory: the writable layer is charged to it" 137 "memory limit" \
		p run --memory 32m --memory-swap 32m alpine sh -c \
		'dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 1; tail /dev/zero'
else
	skip "--memory" "no memory controller"
fi

if have pids; then
	mkdir "$T/v"
	# the shell gives up at its first failed fork; what it started
	# before is written without one
	run p run -v "$T/v:/v" --pids-limit 10 alpine sh -c \
		'n=0; while [ $n -lt 30 ]; do echo $n >/v/n; sleep 5 & n=$((n + 1)); done'
	is "--pids-limit: a fork bomb stops at the limit" \
		"$rc $(grep -c "can't fork" "$T/err") $(($(cat "$T/v/n") < 10))" "2 1 1"
	run p run alpine sh -c 'n=0; while [ $n -lt 30 ]; do sleep 5 & n=$((n + 1)); done; echo ok'
	is "the default limit (2048) leaves room for a shell" "$rc $(cat "$T/out")" "0 ok"
else
	skip "--pids-limit" "no pids controller"
fi

if have cpu; then
	# a CPU hog for 2 s of wall time gets 0.2 of a CPU: its children's
	# ticks (100 a second) stay well under one second's
	run p run --cpus 0.2 alpine sh -c \
		'timeout 2 sh -c "while :; do :; done"; set -- $(cat /proc/$$/stat); echo $((${16} + ${17}))'
	is "--cpus: a hog gets its share" "$rc $(($(cat "$T/out") < 80))" "0 1"
	p run --cpu-shares 512 --cpus 1.5 alpine sleep 2 &
	bg=$!
	sleep 1
	is "--cpu-shares and --cpus reach the cgroup" \
		"$(cat /sys/fs/cgroup/cpu/pieces/*/cpu.shares /sys/fs/cgroup/cpu/pieces/*/cpu.cfs_quota_us 2>/dev/null | tr '\n' ' ')" \
		"512 150000 "
	wait $bg
else
	skip "--cpus" "no cpu controller"
fi

fails "--memory below 6m" 125 "--memory 1m: want a size of at least 6m" p run --memory 1m alpine true
fails "--memory-swap below --memory" 125 "--memory-swap: at least --memory" \
	p run --memory 64m --memory-swap 32m alpine true
fails "--cpus past the CPUs" 125 "--cpus 1000: want from 0.01 to" p run --cpus 1000 alpine true
fails "--pids-limit not a number" 125 "--pids-limit x: want a number" p run --pids-limit x alpine true

# a build's RUN steps take the same limits
mkdir "$T/b"
printf 'FROM alpine\nRUN tail /dev/zero\n' >"$T/b/Piecefile"
if have memory; then
	fails "build --memory: a RUN past it fails, said" 1 "the container hit its memory limit" \
		p build --memory 32m -t hog "$T/b"
fi

# nothing left behind: after many runs, and after pieces is killed
i=0
while [ $i -lt 200 ]; do
	p run --memory 64m --cpus 1 alpine true || break
	i=$((i + 1))
done
is "200 runs with limits" "$i" 200
is "left no cgroup" "$(ours)" "$before"
"$PIECES" -r "$S" run --memory 64m alpine sleep 30 &
victim=$!
sleep 1
kill -9 $victim
wait $victim 2>/dev/null
sleep 0.5
left=$(ours)
is "a pieces killed with SIGKILL left its cgroups" "$((left > before))" 1
ok "the next run" p run --memory 64m alpine true
is "swept them" "$(ours)" "$before"
finish
