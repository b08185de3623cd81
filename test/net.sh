#!/bin/sh
# See LICENSE file for copyright and license details.
#
# A container's network: --net none (only loopback, up; the host's
# loopback services and abstract unix sockets out of reach; NET_RAW the
# container's to ask for) and --net host (the host's stack, NET_RAW
# refused).  Every server here listens on loopback or an abstract
# socket, named for this test's pid.
. "$(dirname "$0")/lib.sh"

if ! needroot; then
	skip "net" "needs root"
	finish
fi
if ! command -v musl-gcc >/dev/null; then
	skip "net" "no musl-gcc for the test's tool"
	finish
fi
S=$T/store
p import "$ALPINE" alpine || { skip "net" "import failed"; finish; }

# the test's tool, static, for the host and (bound in) the container:
# servers that answer "hi" on TCP or an abstract unix socket, a client
# for each, and a raw socket
cat >"$T/nt.c" <<'EOF2'
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static socklen_t
addr(const char *kind, const char *a, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_un *un = (void *)ss;
	struct sockaddr_in *in = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!strcmp(kind, "unix")) {
		un->sun_family = AF_UNIX;
		strncpy(un->sun_path + 1, a, sizeof(un->sun_path) - 2);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a);
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(atoi(port));
	inet_pton(AF_INET, a, &in->sin_addr);
	return sizeof(*in);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage ss;
	char buf[256];
	socklen_t len;
	ssize_t n;
	int fd, c, one = 1, udp;

	if (argc > 1 && !strcmp(argv[1], "raw")) {
		if (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0)
			puts("raw inet");
		return 0;
	}
	if (argc < 4)
		return 2;
	/* nt listen unix|tcp|udp ADDR PORT [READYFILE]; nt connect ... */
	udp = !strcmp(argv[2], "udp");
	len = addr(argv[2], argv[3], argc > 4 ? argv[4] : "0", &ss);
	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (!strcmp(argv[1], "listen")) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (void *)&ss, len) < 0 || (!udp && listen(fd, 16) < 0))
			return perror("bind"), 1;
		if (argc > 5)
			fclose(fopen(argv[5], "w"));
		for (;;) {
			if (udp) {
				len = sizeof(ss);
				if ((n = recvfrom(fd, buf, sizeof(buf), 0, (void *)&ss, &len)) > 0)
					sendto(fd, buf, n, 0, (void *)&ss, len);
				continue;
			}
			if ((c = accept(fd, NULL, NULL)) < 0)
				continue;
			(void)!write(c, "hi\n", 3);
			close(c);
		}
	}
	if (connect(fd, (void *)&ss, len) < 0)
		return perror("connect"), 1;
	if (udp)
		(void)!write(fd, argv[5], strlen(argv[5]));
	if (poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 3000) != 1)
		return fputs("timeout\n", stderr), 1;
	if ((n = read(fd, buf, sizeof(buf))) <= 0)
		return perror("read"), 1;
	fwrite(buf, 1, n, stdout);
	return 0;
}
EOF2
musl-gcc -static -o "$T/nt" "$T/nt.c" || { skip "net" "cannot build the tool"; finish; }
NT="-v $T/nt:/nt:ro"

# serve NAME CMD...: a server in the background, killed at the end, that
# made the file $T/NAME.ready once it listens
serve() {
	_name=$1
	shift
	"$@" "$T/$_name.ready" >/dev/null 2>&1 &
	atexit "kill $!"
	_i=0
	while [ ! -e "$T/$_name.ready" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# a free port: some chance of a clash with another test at the same time,
# so each listener below checks it is up
PORT=$((20000 + $$ % 20000))
serve tcp "$T/nt" listen tcp 127.0.0.1 $PORT
serve unix "$T/nt" listen unix "pieces-net-$$" 0
ok "the host's servers answer the host" sh -c \
	"'$T/nt' connect tcp 127.0.0.1 $PORT | grep -q hi && '$T/nt' connect unix pieces-net-$$ 0 | grep -q hi"

# --net none
run p run --net none alpine ip -o link
is "--net none: only lo, up" "$rc:$(awk '{ print $2 }' "$T/out" | tr '\n' ' '):$(grep -c UP "$T/out")" \
	"0:lo: :1"
run p run --net none alpine ip -o -4 addr
is "... 127.0.0.1 on it" "$(awk '{ print $4 }' "$T/out")" "127.0.0.1/8"
run p run --net none alpine ping -c 1 -W 1 127.0.0.1
is "... the container's own loopback answers" "$rc" 0
run p run --net none $NT alpine /nt connect unix "pieces-net-$$" 0
is "... the host's abstract unix socket is out of reach" "$rc:$(cat "$T/out")" "1:"
run p run --net none $NT alpine /nt connect tcp 127.0.0.1 $PORT
is "... the host's loopback services are out of reach" "$rc:$(cat "$T/out")" "1:"
run p run --net none alpine cat /etc/resolv.conf
is "... no resolver" "$(grep -c nameserver "$T/out")" 0
run p run --network none $NT --cap-add NET_RAW alpine /nt raw
is "... NET_RAW may be asked for (--network too)" "$rc:$(cat "$T/out")" "0:raw inet"
run p run --net none $NT alpine /nt raw
is "... but is not given by default" "$rc:$(cat "$T/out")" "0:"

# --net host
run p run --net host $NT alpine /nt connect unix "pieces-net-$$" 0
is "--net host: the host's abstract socket" "$rc:$(cat "$T/out")" "0:hi"
run p run --net host $NT alpine /nt connect tcp 127.0.0.1 $PORT
is "... and its loopback" "$rc:$(cat "$T/out")" "0:hi"
run p run --net host $NT --cap-add ALL alpine /nt raw
is "... no NET_RAW, even with --cap-add ALL" "$rc:$(cat "$T/out")" "0:"
fails "... --cap-add NET_RAW is refused, saying why" 125 "host's network" \
	p run --net host --cap-add NET_RAW alpine true
fails "--net: an unknown mode" 125 "want bridge, none or host" p run --net nat alpine true

finish
