#!/bin/sh
# See LICENSE file for copyright and license details.
#
# pieces run: isolation, the init, stdio and terminals, options, image
# metadata, and every hardening item, on the Alpine fixture and a busybox
# image built here.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "pieces run" "needs root"
	finish
fi
S=$T/store
# a manifest of a tree: names, types, modes, owners, sizes, link targets
manifest() {
	(cd "$1" && find . -printf '%p %y %m %U %G %s %l\n' | sort)
}
p import "$ALPINE" alpine || { skip "pieces run" "import failed"; finish; }
ok "import the fixture" true

# a busybox image, built here from Debian's busybox-static
if BB=$(command -v busybox) && "$BB" --list >/dev/null 2>&1 &&
    file -L "$BB" | grep -q 'statically linked'; then
	mkdir -p "$T/bb/bin" "$T/bb/etc" "$T/bb/tmp"
	cp "$BB" "$T/bb/bin/busybox"
	for c in sh cat echo ls id true ps sleep mount readlink; do
		ln -s busybox "$T/bb/bin/$c"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$T/bb/etc/passwd"
	tar -C "$T/bb" -czf "$T/bb.tar.gz" .
	ok "import a busybox image" p import "$T/bb.tar.gz" bb
	ok "busybox image runs" p run bb sh -c 'echo $((6 * 7))'
	is "its output" "$(cat "$T/out")" 42
	run p run bb ps
	is "busybox ps sees two processes" "$(awk 'NR > 1' "$T/out" | wc -l)" 2
else
	skip "busybox image" "no static busybox (Debian's busybox-static)"
fi

before=$(mounts)
ok "run a command" p run alpine echo hello
is "its output" "$(cat "$T/out")" hello
run p run alpine ps aux
is "ps aux lists only the container's processes" "$(awk 'NR > 1' "$T/out" | wc -l)" 2
is "ps itself is PID 2" "$(awk '$4 == "ps" { print $1 }' "$T/out")" 2
is "PID 1 shows neither the host's path nor the command line" \
	"$(awk '$1 == 1 { $1 = $2 = $3 = ""; print }' "$T/out" | grep -c -e / -e run)" 0
ok "the image's default command (a shell)" p run alpine
ok "the Python original's tutorial, back to back" sh -c \
	"'$PIECES' -r '$S' run alpine >/dev/null && '$PIECES' -r '$S' run alpine ps aux >/dev/null"

run p run alpine sh -c 'exit 7'
is "exit status passes out" "$rc" 7
run p run alpine sh -c 'kill -9 $$'
is "killed by a signal: 128+signal" "$rc" 137
fails "a command not found: 127" 127 "alpine: nosuch: no such file or directory" \
	p run alpine nosuch
fails "a command that is not executable: 126" 126 "alpine: /etc/passwd: cannot execute" \
	p run alpine /etc/passwd
fails "a missing image: 125" 125 "nosuchimage: no such image" p run nosuchimage true
fails "a bad volume: 125" 125 "volume" p run -v nocolon alpine true
fails "an unknown capability: 125" 125 "NOPE: unknown capability" p run --cap-add NOPE alpine true
fails "no image: usage, 125 as every setup error" 125 "usage: pieces run" p run

ok "--hostname" p run --net none --hostname box alpine sh -c 'hostname; cat /etc/hostname; grep box /etc/hosts'
is "the host name, /etc/hostname, /etc/hosts" "$(cat "$T/out")" "box
box
127.0.1.1	box"
run p run alpine hostname
is "a default host name: 12 hex digits" "$(grep -c '^[0-9a-f]\{12\}$' "$T/out")" 1
is "the host's name is untouched" "$(hostname)" "$(cat /proc/sys/kernel/hostname)"

# mounts neither leak out nor in
mkdir "$T/late"
"$PIECES" -r "$S" run alpine sh -c 'sleep 1; grep -c late /proc/self/mountinfo' \
	>"$T/leakin" 2>&1 &
sleep 0.5
during=$(mounts)
mount -t tmpfs late "$T/late"
wait
umount "$T/late"
is "no container mount appears on the host" "$during" "$before"
is "a host mount made meanwhile does not appear inside" "$(cat "$T/leakin")" 0
is "nothing left mounted" "$(mounts)" "$before"

# the init: orphans reaped, signals forwarded
run p run alpine sh -c '(sleep 0.2 &); sleep 0.6; cut -d" " -f3 /proc/[0-9]*/stat | grep -c Z'
is "an orphan is reaped" "$(cat "$T/out")" 0
for sig in TERM INT HUP QUIT USR1 USR2; do
	# a shell starts background jobs with SIGINT and SIGQUIT ignored, and
	# pieces, like nohup's users expect, leaves ignored signals ignored
	env --default-signal "$PIECES" -r "$S" run alpine sh -c \
		"trap 'echo got $sig; exit 3' $sig; echo ready; while :; do sleep 0.05; done" \
		>"$T/sig$sig" 2>&1 &
	pid=$!
	i=0
	while ! grep -q ready "$T/sig$sig" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -$sig $pid
	wait $pid
	st=$?
	is "SIG$sig reaches the command" "$(tail -n 1 "$T/sig$sig") $st" "got $sig 3"
done
"$PIECES" -r "$S" run alpine sleep 10 &
pid=$!
sleep 0.3
kill -TERM $pid
wait $pid
is "SIGTERM to a command without a handler: 128+15" "$?" 143
# init keeps CAP_KILL alone: a command of another user gets the signal too
"$PIECES" -r "$S" run -u nobody alpine sleep 10 &
pid=$!
sleep 0.3
kill -TERM $pid
wait $pid
is "SIGTERM reaches a command that runs as another user" "$?" 143

# stdio
is "stdin with -i" "$(echo hi | p run -i alpine cat)" hi
is "no stdin without -i" "$(echo hi | p run alpine cat)" ""
is "stdout is a pipe" "$(p run alpine echo piped | tr a-z A-Z)" PIPED
is "stderr passes through" "$(p run alpine sh -c 'echo err >&2' 2>&1 >/dev/null)" err

# a terminal, through script(1)
if command -v script >/dev/null; then
	run script -qec "'$PIECES' -r '$S' run -t alpine sh -c 'tty; exit 5'" /dev/null
	is "-t: the command's stdin is a pty of its own devpts" "$(grep -c '^/dev/pts/0' "$T/out")" 1
	is "-t: exit status" "$rc" 5
	run script -qec "stty -g; '$PIECES' -r '$S' run -t alpine true; stty -g" /dev/null
	is "-t: the terminal is restored" "$(tr -d '\r' <"$T/out" | uniq | wc -l)" 1
	fails "-it with a stdin that is no terminal: said, not hung" 125 \
		"the input device is not a TTY" sh -c "echo exit | timeout 20 '$PIECES' -r '$S' run -it alpine sh"
else
	skip "-t" "no script(1)"
fi
# a session in a real terminal: its size, a resize, the terminal after
if command -v tmux >/dev/null; then
	tm() {
		tmux -L "pieces$$" "$@"
	}
	atexit "tmux -L pieces$$ kill-server"
	tm new-session -d -x 100 -y 30 "'$PIECES' -r '$S' run -it alpine sh; echo rc=\$?; stty -a; sleep 30"
	sleep 1
	tm send-keys "stty size" Enter
	sleep 0.5
	tm resize-window -x 80 -y 20
	sleep 0.5
	tm send-keys "stty size; exit 3" Enter
	sleep 1
	tm capture-pane -p >"$T/pane"
	tm kill-server
	is "a tmux session: the window's size, then the new one" \
		"$(grep -x '[0-9]* [0-9]*' "$T/pane" | tr '\n' ' ')" "30 100 20 80 "
	is "a tmux session: the exit status" "$(grep -c '^rc=3$' "$T/pane")" 1
	is "a tmux session: the terminal is back to cooked" "$(grep -c ' icanon ' "$T/pane")" 1
	# -t without -i: the terminal stays cooked, and its Ctrl-C reaches
	# the command as a SIGINT
	mkdir "$T/tv"
	cat >"$T/ctrlc.sh" <<EOF
trap 'echo outer' INT
'$PIECES' -r '$S' run -t -v '$T/tv:/v' alpine sh -c \
	'trap "echo got-int >>/v/out; exit 4" INT; echo ready >/v/out; sleep 20 & wait'
echo rc=\$? >'$T/tv/rc'
stty -a >'$T/tv/stty'
EOF
	# waitgrep PATTERN FILE, waitfor FILE: until FILE has PATTERN, or is
	# not empty; 10 s at most
	waitgrep() {
		i=0
		while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	}
	waitfor() {
		waitgrep . "$1"
	}
	tm new-session -d -x 100 -y 30 "sh '$T/ctrlc.sh'; sleep 30"
	waitgrep ready "$T/tv/out"
	tm send-keys C-c
	waitfor "$T/tv/stty"
	tm kill-server
	is "-t without -i: Ctrl-C reaches the command" "$(cat "$T/tv/out" "$T/tv/rc" | tr '\n' ' ')" \
		"ready got-int rc=4 "
	is "-t without -i: the terminal stays cooked" "$(grep -c ' icanon ' "$T/tv/stty")" 1
	# without -t: a Ctrl-C reaches the command's whole process group,
	# as a terminal's would, not the shell alone to wait out its sleep;
	# a second Ctrl-C kills a container that ignores the first
	cat >"$T/ctrlc2.sh" <<EOF
trap 'echo outer' INT
'$PIECES' -r '$S' run -v '$T/tv:/v' alpine sh -c \
	'echo ready >/v/out2; sleep 20; echo after >>/v/out2'
echo rc=\$? >'$T/tv/rc2'
'$PIECES' -r '$S' run -v '$T/tv:/v' alpine sh -c 'trap "" INT; echo ready >/v/out3; sleep 20'
echo rc=\$? >'$T/tv/rc3'
EOF
	tm new-session -d -x 100 -y 30 "sh '$T/ctrlc2.sh'; sleep 30"
	waitfor "$T/tv/out2"
	tm send-keys C-c
	waitfor "$T/tv/rc2"
	is "without -t: Ctrl-C stops the command's children too" \
		"$(cat "$T/tv/out2" "$T/tv/rc2" 2>&1 | tr '\n' ' ')" "ready rc=130 "
	waitfor "$T/tv/out3"
	tm send-keys C-c
	sleep 1
	is "a command that ignores Ctrl-C keeps running" "$(cat "$T/tv/rc3" 2>/dev/null)" ""
	tm send-keys C-c
	waitfor "$T/tv/rc3"
	is "a second Ctrl-C kills it" "$(cat "$T/tv/rc3" 2>&1)" "rc=137"
	# a build's RUN step the same: Ctrl-C ends it, not the sleep
	mkdir "$T/bctx"
	printf 'FROM alpine\nRUN echo ready >/dev/stderr; sleep 20; true\n' >"$T/bctx/Piecefile"
	cat >"$T/ctrlc3.sh" <<EOF
trap 'echo outer' INT
'$PIECES' -r '$S' build -t slow '$T/bctx' 2>'$T/tv/berr'
echo rc=\$? >'$T/tv/rc4'
EOF
	tm new-session -d -x 100 -y 30 "sh '$T/ctrlc3.sh'; sleep 30"
	waitgrep ready "$T/tv/berr"
	tm send-keys C-c
	waitfor "$T/tv/rc4"
	tm kill-server
	is "Ctrl-C stops a build's RUN step" "$(cat "$T/tv/rc4" 2>&1) $(p images | grep -c slow)" \
		"rc=1 0"
else
	skip "a tmux session" "no tmux"
fi

# options
run p run --read-only --tmpfs /mnt:size=1m,mode=700 alpine sh -c \
	'stat -c %a /mnt; echo x >/mnt/f && cat /mnt/f; grep " /mnt " /proc/mounts'
is "--tmpfs on a read-only root: its mode, writable" "$(sed -n 1,2p "$T/out" | tr '\n' ' ')" "700 x "
is "--tmpfs: bounded, noexec by default" \
	"$(sed -n 3p "$T/out" | grep -c 'tmpfs.*nosuid,nodev,noexec.*size=1024k')" 1
run p run --tmpfs /scratch:size=1m alpine sh -c 'dd if=/dev/zero of=/scratch/f bs=1k count=2048'
is "--tmpfs: a write past its size fails" "$rc $(grep -c 'No space left' "$T/err")" "1 1"
run p run --tmpfs /x:exec alpine sh -c 'cp /bin/busybox /x/true && /x/true && echo ran'
is "--tmpfs exec" "$(cat "$T/out")" ran
fails "--tmpfs with a bad option" 125 "--tmpfs /x:bogus: bad option 'bogus'" \
	p run --tmpfs /x:bogus alpine true
fails "--tmpfs with a relative path" 125 "--tmpfs x: want /path" p run --tmpfs x alpine true
run p run -e A=1 -e B -e C=x=y alpine sh -c 'echo "$A/$B/$C"'
is "-e" "$(cat "$T/out")" "1//x=y"
fails "-e '=bad' is refused" 125 "-e '=bad': no variable name" p run -e =bad alpine true
ok "import takes NAME:TAG as run does" p import "$ALPINE" myalpine:1.0
run p run myalpine:1.0 cat /etc/alpine-release
is "and run finds it by it" "$rc $(cat "$T/out")" "0 3.18.9"
ok "rmi NAME:TAG" p rmi myalpine:1.0
fails "an empty tag is refused" 125 "alpine:: an empty tag" p run alpine: true
printf 'FROM scratch\n' >"$T/Piecefile"
fails "build -t app: too" 1 "app:: an empty tag" p build -t app: "$T"
run env B=fromhost "$PIECES" -r "$S" run -e B alpine sh -c 'echo $B'
is "-e NAME takes the host's value" "$(cat "$T/out")" fromhost
run p run alpine sh -c 'echo $PATH $HOME $HOSTNAME' --hostname h
run p run -h h2 alpine hostname
is "-h is the host name, as Docker's" "$rc $(cat "$T/out")" "0 h2"
fails "a usage error of run exits 125, never the command's status" 125 "usage: pieces run" \
	p run --no-such-option alpine true
run p run --help
is "--help is run's help" "$rc $(head -n 1 "$T/out")" "0 usage: pieces run [option ...] image [cmd [arg ...]]"
run p run --hostname h alpine sh -c 'echo $PATH $HOME $HOSTNAME'
is "the default environment" "$(cat "$T/out")" "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /root h"
run p run -w /srv/new alpine pwd
is "-w, made when missing" "$(cat "$T/out")" /srv/new
run p run -u nobody alpine id
is "-u name" "$(cat "$T/out")" "uid=65534(nobody) gid=65534(nobody)"
run p run -u 1234:5 alpine sh -c 'id -u; id -g; grep CapEff /proc/self/status'
is "-u uid:gid, and no capabilities" "$(cat "$T/out" | tr '\n' ' ')" "1234 5 CapEff:	0000000000000000 "
fails "-u an unknown name" 125 "user nosuchuser: not in the image" p run -u nosuchuser alpine true
run p run -u daemon alpine id
is "-u name: its supplementary groups from the image's /etc/group" "$(cat "$T/out")" \
	"uid=2(daemon) gid=2(daemon) groups=1(bin),2(daemon),4(adm)"
run p run -u daemon:daemon alpine id
is "-u name:group: that group alone, as Docker" "$(cat "$T/out")" "uid=2(daemon) gid=2(daemon)"
if command -v script >/dev/null; then
	run script -qec "'$PIECES' -r '$S' run -t -u nobody alpine sh -c 'stat -c %U \$(tty)'" /dev/null
	is "-t -u: the pty is the user's" "$(tr -d '\r' <"$T/out")" nobody
fi
mkdir "$T/vol"
echo host >"$T/vol/f"
run p run -v "$T/vol:/data" alpine sh -c 'cat /data/f; echo ctr >/data/g'
is "-v: a host directory, read-write" "$(cat "$T/out") $(cat "$T/vol/g")" "host ctr"
run p run -v "$T/vol:/data:ro" alpine sh -c 'echo x >/data/h'
is "-v :ro refuses writes" "$rc $(test -e "$T/vol/h" && echo written)" "1 "
run p run -v "$T/vol/f:/etc/motd" alpine cat /etc/motd
is "-v: a file" "$(cat "$T/out")" host
(cd "$T" && "$PIECES" -r "$S" run -v vol:/data:ro alpine cat /data/f) >"$T/out" 2>"$T/err"
is "-v: a relative host path is from here" "$?$(cat "$T/out")" "0host"
fails "-v: a relative path that is not there" 125 "volume nosuchdir: No such file" \
	p run -v nosuchdir:/data alpine true
ok "import file:///path, as FROM_URL takes it" p import "file://$ALPINE" fromfileurl
ok "rmi it" p rmi fromfileurl
# no device cgroup yet: every file system the container can write is
# nodev, so a node it makes (here a second /dev/null) cannot be opened
run p run -v "$T/vol:/data" alpine sh -c 'for d in / /dev /tmp /data; do
	mknod $d/n c 1 3 && { echo x >$d/n && echo "$d: opened"; }; rm -f $d/n; done'
is "a device node the container makes cannot be opened" \
	"$(cat "$T/out") $(grep -c 'Permission denied' "$T/err")" " 4"
run p run alpine sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
is "the nodes pieces gives it can" "$(cat "$T/out")" 4
run p run --read-only alpine sh -c 'touch /x'
is "--read-only" "$(grep -c 'Read-only file system' "$T/err")" 1
run p run --entrypoint /bin/echo alpine a b
is "--entrypoint" "$(cat "$T/out")" "a b"

# the image's own metadata
cat >>"$S/images/alpine/meta" <<'EOF'
entrypoint /bin/sh
entrypoint -c
cmd echo "$GREETING from $(pwd) as $(id -un)"
env GREETING=hello
workdir /srv
user nobody
EOF
run p run alpine
is "the image's entrypoint, cmd, env, workdir and user" "$(cat "$T/out")" "hello from /srv as nobody"
run p run -e GREETING=hi -w /tmp -u root alpine
is "options override them" "$(cat "$T/out")" "hi from /tmp as root"
run p run alpine 'echo args replace cmd'
is "arguments replace cmd, not the entrypoint" "$(cat "$T/out")" "args replace cmd"
run p run --entrypoint id alpine -un
is "--entrypoint replaces entrypoint and cmd" "$(cat "$T/out")" "nobody"
run p run --entrypoint '' alpine echo cleared
is "--entrypoint '' clears the entrypoint" "$rc $(cat "$T/out")" "0 cleared"
fails "--entrypoint '' with no command says so" 125 "no command: --entrypoint ''" \
	p run --entrypoint '' alpine
p import "$ALPINE" alpine

# the image is never modified
manifest "$S/images/alpine/rootfs" >"$T/before"
ok "a container writes" p run alpine sh -c \
	'echo x >/etc/new; rm /etc/passwd; chmod 777 /bin; mkdir -p /usr/x'
manifest "$S/images/alpine/rootfs" >"$T/after"
ok "the image is unchanged" cmp "$T/before" "$T/after"
ok "a new container sees the image, not the writes" p run alpine test -e /etc/passwd

# no overlayfs: a read-only root with tmpfs /tmp and /run
run env PIECES_NO_OVERLAY=1 "$PIECES" -r "$S" run alpine sh -c \
	'touch /tmp/ok && touch /run/ok && echo ok; touch /x'
is "without overlayfs: /tmp and /run writable" "$(cat "$T/out")" ok
is "without overlayfs: said once, root read-only" \
	"$(grep -c 'overlayfs unavailable' "$T/err") $(grep -c 'Read-only' "$T/err")" "1 1"

# an initramfs has no pivot_root: pieces covers it with a tmpfs first
run env PIECES_TEST_RAMROOT=1 "$PIECES" -r "$S" run alpine sh -c \
	'awk "\$5 == \"/\" { print \$9 }" /proc/self/mountinfo; ls /; grep -c ramroot /proc/self/mountinfo'
is "the ramroot path: the root is the overlay" "$(head -n 1 "$T/out")" overlay
is "the ramroot path: its tmpfs is detached" "$(tail -n 1 "$T/out")" 0
is "the ramroot path: nothing left mounted" "$(mounts)" "$before"

# hardening
run p run alpine grep -E '^(CapEff|CapBnd|CapInh|CapAmb|NoNewPrivs)' /proc/self/status
is "Docker's default capabilities but NET_RAW, no_new_privs" "$(awk '{ print $2 }' "$T/out" | tr '\n' ' ')" \
	"0000000000000000 00000000a80405fb 00000000a80405fb 0000000000000000 1 "
run p run --cap-add NET_ADMIN --cap-drop CHOWN alpine grep CapEff /proc/self/status
is "--cap-add, --cap-drop" "$(awk '{ print $2 }' "$T/out")" 00000000a80415fa
run p run --cap-drop ALL alpine grep CapBnd /proc/self/status
is "--cap-drop ALL" "$(awk '{ print $2 }' "$T/out")" 0000000000000000
run p run alpine sh -c 'cat /proc/1/environ; ls -l /proc/1/exe; echo x >>/proc/1/exe'
is "the init is not dumpable: /proc/1 is closed" "$(grep -c 'Permission denied' "$T/err")" 3
sum=$(sha256sum "$PIECES")
run p run alpine sh -c 'for f in /proc/[0-9]*/exe; do echo x >>$f; done'
is "no /proc path writes the host's pieces binary" "$(sha256sum "$PIECES")" "$sum"
run p run alpine sh -c 'cat /proc/kcore /proc/keys /proc/timer_list 2>/dev/null | wc -c; ls /sys/firmware | wc -l'
is "masked paths read empty" "$(cat "$T/out" | tr '\n' ' ')" "0 0 "
for f in /proc/sys/kernel/hostname /proc/sysrq-trigger /proc/irq/default_smp_affinity; do
	[ -e "$f" ] || continue
	run p run alpine sh -c "echo 1 >$f"
	is "$f is read-only" "$(grep -c 'Read-only file system' "$T/err")" 1
done
run p run alpine sh -c 'ls /proc/$$/fd; :' 3</etc/hostname 7</etc/hostname 9>"$T/leak"
is "only fds 0-2 reach the command" "$(cat "$T/out" | tr '\n' ' ')" "0 1 2 "
run p run -w /etc alpine readlink /proc/self/cwd
is "its cwd is inside the root" "$(cat "$T/out")" /etc

# hostile images: symlinks to host paths where pieces mounts or creates;
# what they name is made inside the root, never on the host
mkdir -p "$T/pwn"
hostile() {
	rm -rf "$T/hostile"
	mkdir -p "$T/hostile"
	tar -xzf "$ALPINE" -C "$T/hostile" ./bin ./lib ./etc ./usr
}
hostile
for d in proc sys dev; do
	ln -s "$T/pwn/$d" "$T/hostile/$d"
done
tar -C "$T/hostile" -czf "$T/hostile.tar.gz" .
p import "$T/hostile.tar.gz" hostile0
fails "a symlinked /proc, /sys or /dev is refused" 125 "symlink" p run hostile0 true
is "hostile0: nothing made outside its root" "$(find "$T/pwn")" "$T/pwn"
is "hostile0: nothing left mounted" "$(mounts)" "$before"
hostile
ln -s "$T/pwn/run" "$T/hostile/run"
ln -sf "$T/pwn/hosts" "$T/hostile/etc/hosts"
ln -sf "$T/pwn/hostname" "$T/hostile/etc/hostname"
ln -sf "../../../../../../$T/pwn/resolv.conf" "$T/hostile/etc/resolv.conf"
tar -C "$T/hostile" -czf "$T/hostile.tar.gz" .
p import "$T/hostile.tar.gz" hostile1
hostile
mkdir -p "$T/hostile/dev"
ln -s "$T/pwn/pts" "$T/hostile/dev/pts"
ln -s "$T/pwn/null" "$T/hostile/dev/null"
ln -s "$T/pwn/shm" "$T/hostile/dev/shm"
ln -s "$T/pwn" "$T/hostile/vol"
tar -C "$T/hostile" -czf "$T/hostile.tar.gz" .
p import "$T/hostile.tar.gz" hostile2
for img in hostile1 hostile2; do
	for vol in "" "-v $T/vol:/vol/in" "-v $T/vol/f:/etc/hosts"; do
		run p run $vol $img sh -c 'ls /proc/1 >/dev/null && cat /etc/hostname >/dev/null && echo ran'
		is "$img $vol: runs with its own /proc" "$(cat "$T/out")" "ran"
		is "$img $vol: nothing made outside its root" "$(find "$T/pwn")" "$T/pwn"
		is "$img $vol: nothing left mounted" "$(mounts)" "$before"
	done
done

# an image removed or replaced while a container uses it: the container
# keeps its tree, which goes once it is done
p import "$ALPINE" inuse
"$PIECES" -r "$S" run inuse sh -c 'sleep 1; cat /etc/alpine-release' >"$T/inuse" 2>&1 &
pid=$!
sleep 0.4
ok "rmi of an image in use" p rmi inuse
is "it is no longer listed" "$(p images | awk '$1 == "inuse"')" ""
wait $pid
is "the container ran on to its end" "$?:$(cat "$T/inuse")" "0:3.18.9"
ok "the next writer" p import "$ALPINE" inuse
is "removed the tree the container had held" "$(ls -A "$S/tmp")" ""
"$PIECES" -r "$S" run inuse sh -c 'sleep 1; cat /etc/alpine-release' >"$T/inuse" 2>&1 &
pid=$!
sleep 0.4
mkdir -p "$T/small/etc"
echo small >"$T/small/etc/small"
tar -C "$T/small" -czf "$T/small.tar.gz" .
ok "import over an image in use" p import "$T/small.tar.gz" inuse
wait $pid
is "the container ran on to its end" "$?:$(cat "$T/inuse")" "0:3.18.9"
ok "rmi it" p rmi inuse
ok "the next writer" p import "$ALPINE" other
is "removed the trees" "$(ls -A "$S/tmp")" ""

# 200 runs leave nothing behind
i=0
while [ $i -lt 200 ] && p run alpine true; do i=$((i + 1)); done
is "200 sequential runs" "$i" 200
is "no mounts left" "$(mounts)" "$before"
is "no work trees left" "$(ls -A "$S/tmp")" ""
is "no processes left" "$(pgrep -f -- "$S" | wc -l)" 0
finish
