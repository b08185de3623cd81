#!/bin/sh
# See LICENSE file for copyright and license details.
#
# pieces run against a hostile image or a hostile process inside it: each
# test is an attack from inside the container (the classes of issue 12),
# run with openat2 and with the walk that replaces it (PIECES_NO_OPENAT2),
# and on overlayfs and the read-only fallback (PIECES_NO_OVERLAY) where the
# root matters.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "escapes" "needs root"
	finish
fi
if ! command -v musl-gcc >/dev/null; then
	skip "escapes" "no musl-gcc for the attack tool"
	finish
fi
S=$T/store

# the attacker's tool: raw sockets and the session keyring
cat >"$T/esc.c" <<'EOF'
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char buf[64];
	long n;

	if (argc > 1 && !strcmp(argv[1], "raw")) {
		if (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0)
			puts("raw inet");
		if (socket(AF_PACKET, SOCK_RAW, htons(3)) >= 0)
			puts("raw packet");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "id")) {	/* @s, not made */
		n = syscall(SYS_keyctl, 0, -3, 0);
		printf("%ld\n", n < 0 ? -(long)errno : n);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "new")) {	/* a session of the test's own */
		if (syscall(SYS_keyctl, 1, NULL) < 0 ||
		    syscall(SYS_add_key, "user", "pieces-escape", "hostkey", 7, -3) < 0)
			return perror("keyctl"), 1;
		execvp(argv[2], argv + 2);
		return perror(argv[2]), 1;
	}
	if (argc > 2 && !strcmp(argv[1], "read")) {
		if ((n = syscall(SYS_keyctl, 11, atol(argv[2]), buf, sizeof(buf))) >= 0)
			printf("%.*s\n", (int)n, buf);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "search")) {
		if ((n = syscall(SYS_keyctl, 10, -3, "user", "pieces-escape", 0)) >= 0)
			printf("found %ld\n", n);
		return 0;
	}
	return 2;
}
EOF
musl-gcc -static -o "$T/esc" "$T/esc.c" || { skip "escapes" "cannot build the tool"; finish; }

# the attacker's image: Alpine, the tool, device nodes (/dev/zero's and
# /dev/mem's numbers) where no /dev covers them
mkdir -p "$T/atk"
tar -xzf "$ALPINE" -C "$T/atk"
cp "$T/esc" "$T/atk/esc"
mknod "$T/atk/zero" c 1 5
mknod "$T/atk/mem" c 1 1
tar -C "$T/atk" -czf "$T/atk.tar.gz" .
p import "$T/atk.tar.gz" atk || { skip "escapes" "import failed"; finish; }
ok "import the attacker's image" true

# images whose /proc, /sys or /dev is a symlink.  The one that matters:
# /proc -> p/self/root/p, with p/self -> .. and /root -> /, leads to /p,
# where procfs goes; once it is there, p/self/root is its magic link, which
# the resolver of the masks refuses to follow while the command's path
# lookups do: the masks are skipped and core_pattern is writable
mkimg() {
	rm -rf "$T/img"
	mkdir -p "$T/img"
	tar -xzf "$ALPINE" -C "$T/img" ./bin ./lib ./etc ./usr ./sbin
}
mkimg
mkdir -p "$T/img/p"
ln -s .. "$T/img/p/self"
ln -s / "$T/img/root"
ln -s p/self/root/p "$T/img/proc"
tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" procmagic
# /proc -> dev/pts, dev/pts -> ../p: procfs on /p, which devpts hides
mkimg
mkdir -p "$T/img/dev" "$T/img/p"
ln -s ../p "$T/img/dev/pts"
ln -s dev/pts "$T/img/proc"
tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" procpts
for d in proc sys dev; do
	mkimg
	mkdir -p "$T/img/real"
	ln -s real "$T/img/$d"
	tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" "link$d"
done
mkimg
: >"$T/img/proc"
tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" fileproc

echo "host secret" >"$T/marker"
rel=${T#/}/marker
core=$(cat /proc/sys/kernel/core_pattern)
# should the attack ever work, the host's core_pattern comes back at once
atexit "[ \"\$(cat /proc/sys/kernel/core_pattern)\" = '$core' ] || echo '$core' >/proc/sys/kernel/core_pattern"
before=$(mounts)

for mode in openat2 walk; do
	if [ $mode = walk ]; then
		PIECES_NO_OPENAT2=1
		export PIECES_NO_OPENAT2
	fi

	# 1: the working directory through an fd of the host
	# (CVE-2024-21626): from /proc/self/fd/N, "cd .." climbs the host
	climb="cd -P ../../../../../../../../../..; cat $rel"
	for fd in 3 4 5 6 7 8 9; do
		run p run -w /proc/self/fd/$fd atk sh -c "$climb"
		is "$mode: -w /proc/self/fd/$fd reaches nothing of the host" \
			"$rc:$(grep -c secret "$T/out")" "125:0"
		run p run --cap-add SYS_PTRACE -w /proc/1/fd/$fd atk sh -c "$climb"
		is "$mode: -w /proc/1/fd/$fd (init's) reaches nothing of the host" \
			"$rc:$(grep -c secret "$T/out")" "125:0"
	done 3<"$T" 4<"$T" 5<"$T" 6<"$T" 7<"$T" 8<"$T" 9<"$T"
	for fd in 3 4 5 6 7 8 9; do
		run p run -w /proc/self/fd/$fd atk sh -c "$climb"
		is "$mode: -w /proc/self/fd/$fd, no fd passed, reaches nothing of the host" \
			"$rc:$(grep -c secret "$T/out")" "125:0"
	done
	fails "$mode: the refusal says why" 125 "workdir /proc/self/fd/3" \
		p run -w /proc/self/fd/3 atk true
	mkdir -p "$T/wd"
	printf 'FROM atk:latest\nWORKDIR /proc/self/fd/4\nRUN %s\n' "$climb" >"$T/wd/Piecefile"
	run sh -c "cd '$T/wd' && '$PIECES' -r '$S' build -t wdrun ." 4<"$T"
	is "$mode: a build's WORKDIR + RUN reaches nothing of the host" \
		"$(grep -c secret "$T/out" "$T/err" | grep -c ':[1-9]')" 0
	printf 'FROM atk:latest\nWORKDIR /proc/self/fd/4\n' >"$T/wd/Piecefile"
	(cd "$T/wd" && p build -t wdimg . >/dev/null 2>&1)
	run p run wdimg sh -c "$climb" 4<"$T"
	is "$mode: an image's WorkingDir reaches nothing of the host" \
		"$rc:$(grep -c secret "$T/out")" "125:0"
	run p run -w /made/here atk pwd
	is "$mode: a missing working directory is made" "$rc:$(cat "$T/out")" "0:/made/here"
	run p run -u 65534 -w /made/there atk sh -c 'pwd; id -u'
	is "$mode: also for another user" "$rc:$(cat "$T/out" | tr '\n' ' ')" "0:/made/there 65534 "

	# 2: procfs where the image's symlinks put it
	for img in procmagic procpts linkproc linksys linkdev fileproc; do
		run p run $img sh -c 'for f in /p/sys/kernel/core_pattern /proc/sys/kernel/core_pattern \
			/real/sys/kernel/core_pattern; do [ -e $f ] && (: >>$f) 2>/dev/null && echo OPEN $f; done; true'
		is "$mode: $img: core_pattern cannot be opened for writing" "$(grep -c OPEN "$T/out")" 0
		is "$mode: $img: refused as setup" "$rc:$(grep -c 'refused' "$T/err")" "125:1"
	done
	is "$mode: the host's core_pattern as it was" "$(cat /proc/sys/kernel/core_pattern)" "$core"
	for f in /proc/sys/kernel/core_pattern /proc/sysrq-trigger; do
		run p run atk sh -c "(: >>$f) && echo OPEN"
		is "$mode: $f is read-only" "$(cat "$T/out")" ""
	done
	run p run atk sh -c 'cat /proc/kcore /proc/keys /proc/timer_list 2>/dev/null | wc -c'
	is "$mode: masked files read empty" "$(cat "$T/out")" 0
	run p run atk sh -c 'ls -A /sys/firmware | wc -l'
	is "$mode: masked directories list empty" "$(cat "$T/out")" 0

	# 3: device nodes of the image, on every root
	for ov in "" 1; do
		for ro in "" --read-only; do
			run env ${ov:+PIECES_NO_OVERLAY=1} "$PIECES" -r "$S" run $ro atk sh -c \
				'head -c 4 /zero | od -An -tx1; : >/mem && echo OPEN'
			is "$mode: overlay=${ov:-yes} ${ro:-rw}: the image's device nodes do not open" \
				"$(grep -c -e 00 -e OPEN "$T/out")" 0
		done
	done
	run p run atk sh -c 'for d in /tmp /dev/shm /run /root; do mknod $d/z c 1 5 &&
		head -c 4 $d/z | od -An -tx1; done'
	is "$mode: nodes made in writable places do not open" "$(grep -c 00 "$T/out")" 0
	rm -rf "$T/vol"
	mkdir -p "$T/vol"
	mknod "$T/vol/zero" c 1 5
	for v in /v /v:ro; do
		run p run -v "$T/vol:$v" atk sh -c 'head -c 4 /v/zero | od -An -tx1'
		is "$mode: -v $v: the volume's device nodes do not open" "$(grep -c 00 "$T/out")" 0
	done

	# 6: a volume's :ro and nodev hold wherever the image's symlinks
	# send its target, and land on the volume, not on a mount nearby
	mkimg
	mkdir -p "$T/img/data"
	ln -s /data "$T/img/link"
	ln -s ../nowhere/sub "$T/img/dangling"
	ln -s ../etc/hostname "$T/img/data/name"
	tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" vollinks
	mkimg
	mkdir -p "$T/img/x/y"
	ln -s x/y/.. "$T/img/s"
	tar -C "$T/img" -czf "$T/img.tar.gz" . && p import "$T/img.tar.gz" volredir
	echo keep >"$T/vol/f"
	for dst in /link/in /dangling /data/in /dev/shm /tmp; do
		run p run -v "$T/vol:$dst:ro" vollinks sh -c "echo pwn >$dst/new; echo pwn >$dst/f;
			mknod $dst/z c 1 5; cat $dst/f"
		is "$mode: -v :$dst:ro stays read-only" "$rc:$(cat "$T/out"):$(ls "$T/vol" | tr '\n' ' ')" \
			"0:keep:f zero "
	done
	# the redirect: /s -> x/y/.. is /x when the volume is mounted
	# there; looked up again, y is the volume's own symlink (planted by
	# a container that had it read-write) to /dev/shm, and .. is /dev
	rm -rf "$T/rv"
	mkdir -p "$T/rv"
	ln -s /dev/shm "$T/rv/y"
	run p run -v "$T/rv:/s:ro" volredir sh -c 'echo pwn >/x/pwn; echo pwn >/dev/pwn && echo dev'
	is "$mode: a :ro remount lands on the volume, not on /dev" "$(ls "$T/rv"):$(cat "$T/out")" "y:dev"
	run p run -v "$T/vol/f:/data/name:ro" vollinks sh -c 'echo pwn >/data/name; cat /etc/hostname'
	is "$mode: a file volume through a symlink stays read-only" "$(cat "$T/vol/f")" keep
	run p run -v "$T/vol:/data/v" vollinks sh -c 'echo rw >/data/v/rw && cat /data/v/rw'
	is "$mode: a read-write volume is writable" "$rc:$(cat "$T/out")" "0:rw"
	rm -f "$T/vol/rw"
done
unset PIECES_NO_OPENAT2
is "nothing left mounted" "$(mounts)" "$before"

# 4: the session keyring is the container's own.  The test makes its own
# session (never the caller's) with a key in it, and runs pieces there
run "$T/esc" new sh -c "'$T/esc' id; '$PIECES' -r '$S' run atk sh -c \
	'/esc id; /esc search; for k in \$(cat /proc/keys | cut -d\" \" -f1); do /esc read \$((0x\$k)); done'"
host=$(head -n 1 "$T/out")
is "the test's session has a keyring" "$(echo "$host" | grep -c '^[0-9][0-9]*$')" 1
is "the container's session keyring is another" "$(sed -n 2p "$T/out" | grep -c "^$host\$")" 0
is "the host session's key is neither found nor read" "$(grep -c -e found -e hostkey "$T/out")" 0

# 5: init keeps nothing of the host: fds, environment, command line
run env PIECES_ESCAPE_SECRET=envsecret "$PIECES" -r "$S" run --cap-add SYS_PTRACE atk sh -c \
	'for f in /proc/1/fd/*; do readlink $f; done; tr "\0" "\n" </proc/1/environ; tr "\0" "\n" </proc/1/cmdline' \
	3<"$T/marker" 5<"$T" 9>"$T/leak"
is "init's fds are /dev/null, its environment empty" "$rc:$(grep . "$T/out" | sort -u | tr '\n' ' ')" \
	"0:/dev/null pieces-init "
run sh -c "'$PIECES' -r '$S' run --cap-add SYS_PTRACE atk sh -c 'ls /proc/1/fd | wc -l' </dev/null | cat"
is "... with pieces' stdio a pipe too" "$(cat "$T/out")" 3

# 7: no raw sockets on the host's network
run p run atk /esc raw
is "no raw socket in a container" "$rc:$(cat "$T/out")" "0:"
run p run --net host --cap-add ALL atk /esc raw
is "not even with --cap-add ALL on the host's network" "$rc:$(cat "$T/out")" "0:"
fails "--cap-add NET_RAW is refused there, saying why" 125 "host's network" \
	p run --net host --cap-add NET_RAW atk true
run p run --net host atk ping -c 1 -W 1 127.0.0.1
is "ping fails there" "$rc" 1
# on a bridge, the default, a raw socket is the container's to ask for:
# it sees its own namespace's links, lo and eth0, none of the host's
run p run --cap-add NET_RAW atk sh -c '/esc raw; ip -o link | wc -l'
is "on a bridge: NET_RAW may be added, and it sees lo and eth0 only" \
	"$rc:$(tr '\n' ' ' <"$T/out")" "0:raw inet raw packet 2 "

# 10: pieces' stdout a file: the container writes to it, and no more
printf 'earlier\n' >"$T/file"
"$PIECES" -r "$S" run atk sh -c 'echo pwn >/proc/self/fd/1; (timeout 1 cat /proc/self/fd/1 /proc/self/fd/2) 2>/dev/null;
	echo out; echo err >&2; exit 3' >>"$T/file" 2>>"$T/file"
is "the exit status passes out" "$?" 3
is "the file holds what it had and what the container wrote" \
	"$(grep -v Terminated "$T/file" | sort | tr '\n' ' ')" \
	"earlier err out pwn "
printf 'earlier\n' >"$T/file"
"$PIECES" -r "$S" run atk sh -c ': >/proc/self/fd/1; echo new' >>"$T/file"
is "a reopened stdout truncates nothing" "$(cat "$T/file" | tr '\n' ' ')" "earlier new "
mkdir -p "$T/b"
printf 'FROM atk:latest\nRUN cat /proc/self/fd/1 & sleep 1; kill $!; wait; echo ran\n' >"$T/b/Piecefile"
printf 'earlier log\n' >"$T/build.log"
(cd "$T/b" && "$PIECES" -r "$S" build -t esc-b . >>"$T/build.log" 2>&1)
is "a build's RUN reads nothing of build.log" "$(grep -c earlier "$T/build.log"):$(grep -c '^ran' "$T/build.log")" "1:1"
seq 1 100000 >"$T/in"
run sh -c "'$PIECES' -r '$S' run -i atk sh -c 'cat; cat /proc/self/fd/0' <'$T/in' >'$T/got'"
is "stdin from a file reaches the command whole" "$rc:$(cmp "$T/in" "$T/got" && echo same)" "0:same"
run sh -c "'$PIECES' -r '$S' run -i atk head -n 1 <'$T/in'"
is "a command that stops reading its stdin" "$rc:$(cat "$T/out")" "0:1"
run sh -c "'$PIECES' -r '$S' run atk sh -c 'seq 1 200000; echo end >&2' >'$T/got' 2>&1"
is "a long output is relayed in full" "$(wc -l <"$T/got"):$(tail -n 1 "$T/got")" "200001:end"
run sh -c "'$PIECES' -r '$S' run atk sh -c 'trap \"\" PIPE; seq 1 100000; echo \$? >&2' >/dev/full"
is "a full device stops the relay, the command sees EPIPE" \
	"$(grep -c 'relay fd 1' "$T/err"):$(tail -n 1 "$T/err" | grep -c '^[1-9]')" "1:1"
# 3, neighbour: /dev's nodes are the host's own inodes, bound read-only
# so the container cannot chmod, chown or touch them on the host
before=$(stat -c '%a %U %Z' /dev/full /dev/null)
# (what is tried leaves the host's nodes as they are, should it work:
# their own mode and owner, which still moves their ctime)
run p run atk sh -c 'chmod 0666 /dev/null; chmod 0666 /dev/full; chown 0:0 /dev/full; touch /dev/null
	echo x >/dev/null && head -c 2 /dev/zero | wc -c'
is "the host's /dev nodes take no chmod, chown or touch from a container" \
	"$(stat -c '%a %U %Z' /dev/full /dev/null) $(cat "$T/out")" "$before 2"
# 6, neighbour: :ro and nodev hold on every mount below a volume, not
# only on its top: a tmpfs with a device under it, the host's own /proc
mkdir -p "$T/rv/m"
if mount -t tmpfs tmpfs "$T/rv/m"; then
	atexit "umount -l '$T/rv/m'"
	mknod "$T/rv/m/null" c 1 3
	run p run -v "$T/rv:/v:ro" atk sh -c 'touch /v/m/new || echo ro; echo x >/v/m/null || echo nodev'
	is "a :ro volume's submounts are read-only and nodev" "$(cat "$T/out" | tr '\n' ' ')$(ls "$T/rv/m")" \
		"ro nodev null"
	run p run -v "$T/rv:/v" atk sh -c 'echo x >/v/m/null || echo nodev'
	is "a read-write volume's submounts are nodev" "$(cat "$T/out")" nodev
else
	skip "a :ro volume's submounts" "cannot mount a tmpfs here"
fi
# opened for appending, never written: the test changes nothing
run p run -v /:/host:ro atk sh -c 'true >>/host/proc/sys/kernel/core_pattern || echo refused'
is "-v /:/host:ro leaves the host's /proc/sys read-only" "$(cat "$T/out")" refused
# 10, neighbour: the user's terminal on stdout, without -t, is no
# longer the container's to open again and read what is typed
if command -v script >/dev/null; then
	run script -qec "'$PIECES' -r '$S' run atk sh -c 'test -t 1 || echo notatty; test -t 2 || echo notatty'" /dev/null
	is "without -t the terminal reaches the container as a pipe" "$(tr -d '\r' <"$T/out" | tr '\n' ' ')" \
		"notatty notatty "
	# init is in a session of its own: the host's terminal is no
	# controlling terminal a command let to ptrace it could type into
	run script -qec "'$PIECES' -r '$S' run atk sh -c 'set -- \$(cat /proc/1/stat); echo \$7'" /dev/null
	is "init has no controlling terminal" "$(tr -d '\r' <"$T/out")" 0
else
	skip "the terminal without -t" "no script(1)"
fi
# CVE-2019-5736's way: /proc/1/exe, to a command let to ptrace init, is
# a sealed copy of pieces, never the host's binary
run p run --cap-add SYS_PTRACE atk sh -c \
	'readlink /proc/1/exe; echo x >>/proc/1/exe && echo written; cat /proc/1/exe | wc -c'
is "/proc/1/exe is a sealed copy, not the host's pieces" \
	"$(sed -n 1p "$T/out") $(grep -c written "$T/out") $(sed -n 2p "$T/out")" \
	"/memfd:pieces-init (deleted) 0 $(wc -c <"$PIECES")"
# a process in the container cannot have init signal for it
run p run atk sh -c 'trap "echo got" TERM; kill -TERM 1; sleep 1; echo alive'
is "a signal to init from inside is not passed on" "$(cat "$T/out")" alive
finish
