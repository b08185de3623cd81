#!/bin/sh
# See LICENSE file for copyright and license details.
#
# A container's network: --net none (only loopback, up; the host's
# loopback services and abstract unix sockets out of reach; NET_RAW the
# container's to ask for), --net host (the host's stack, NET_RAW
# refused) and --net bridge (on a bridge of this test's own, named and
# numbered for its pid in 198.18.0.0/15, the benchmarking range: two
# containers reach each other, the host's loopback does not answer, and
# nothing is left, pieces killed or not; published ports; outbound
# access through the masquerade, from run and a RUN step; the same in
# IPv6, on a prefix of the test's own in fd70:6965:6365::/48).  Every server
# here listens on loopback, an abstract socket, the test's bridge or a
# network namespace of its own.
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
# a bridge's outbound access turns the host's forwarding on, as Docker
# does; the test puts it back as it found it
fwd=$(cat /proc/sys/net/ipv4/ip_forward)
atexit "echo $fwd >/proc/sys/net/ipv4/ip_forward"
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
	struct sockaddr_in6 *in6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!strcmp(kind, "unix")) {
		un->sun_family = AF_UNIX;
		strncpy(un->sun_path + 1, a, sizeof(un->sun_path) - 2);
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a);
	}
	if (strchr(a, ':')) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(port));
		inet_pton(AF_INET6, a, &in6->sin6_addr);
		return sizeof(*in6);
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
# so each listener below checks it is up; it and the two after it below
# 32768, where Linux's ephemeral ports begin (ip_local_port_range), so
# that no connection of the machine's holds one for a moment
PORT=$((20000 + $$ % 10000))
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

# --net bridge, on the test's own bridge and range
if ! command -v ip >/dev/null; then
	skip "--net bridge" "no ip(8) to check the host's side with"
	finish
fi
PIECES_BRIDGE=pt$$
PIECES_NET=198.18.$(($$ % 250)).0/24
NET6=fd70:6965:6365:$(printf %x $(($$ % 65536)))
PIECES_NET6=$NET6::/64
export PIECES_BRIDGE PIECES_NET PIECES_NET6
BR=$PIECES_BRIDGE
NET=${PIECES_NET%.0/24}
# IPv6: the host's forwarding, and accept_ra where it was 1, which
# pieces moves to 2 as it turns forwarding on, put back as found
V6=
if [ -e /proc/sys/net/ipv6/conf/all/forwarding ] &&
	[ "$(cat /proc/sys/net/ipv6/conf/default/disable_ipv6)" = 0 ]; then
	V6=yes
	fwd6=$(cat /proc/sys/net/ipv6/conf/all/forwarding)
	ra1=$(cd /proc/sys/net/ipv6/conf && grep -l '^1$' */accept_ra | sed 's|/accept_ra$||' |
		grep -v '^all$')
	for _i in $ra1; do
		atexit "[ \"\$(cat /proc/sys/net/ipv6/conf/$_i/accept_ra)\" != 2 ] ||
			echo 1 >/proc/sys/net/ipv6/conf/$_i/accept_ra"
	done
	atexit "echo $fwd6 >/proc/sys/net/ipv6/conf/all/forwarding"
fi
LEASES=/run/pieces/net/$BR
atexit "ip link del $BR; rm -rf $LEASES"
# what of the test's is left: links on the bridge, leases
left() {
	echo "$(ip -o link show master "$BR" 2>/dev/null | wc -l)" \
		"$(ls "$LEASES" 2>/dev/null | grep -v '^made$' | wc -l)"
}

run p run --net bridge alpine sh -c 'ip -o -4 addr show eth0; ip route; grep "$HOSTNAME" /etc/hosts'
is "--net bridge: eth0 with the range's first free address, the default route, the hosts line" \
	"$rc:$(awk '/ inet / { print $4 } /^default/ { print $3 } /\t/ { print $1 }' "$T/out" | tr '\n' ' ')" \
	"0:$NET.2/24 $NET.1 $NET.2 ${V6:+$NET6::2 }"
is "... nothing of it left on the host, the bridge it made included" \
	"$(left):$(ip link show "$BR" 2>/dev/null | wc -l)" "0 0:0"
if [ -n "$V6" ]; then
	run p run --net bridge alpine sh -c \
		'ip -o -6 addr show eth0 scope global; ip -6 route show default; grep "$HOSTNAME" /etc/hosts'
	is "... IPv6: the prefix's address of its lease, the default route, a hosts line for each" \
		"$rc:$(awk '/ inet6 / { print $4 } /^default/ { print $3 } /\t/ { print $1 }' "$T/out" |
		tr '\n' ' ')" "0:$NET6::2/64 $NET6::1 $NET.2 $NET6::2 "
	if [ "$fwd6" = 0 ]; then
		_still=
		for _i in $ra1; do
			[ "$(cat /proc/sys/net/ipv6/conf/$_i/accept_ra 2>/dev/null || echo 2)" = 2 ] ||
				_still="$_still $_i"
		done
		is "... the host forwards IPv6 now, accept_ra 1 made 2 (its RAs still taken)" \
			"$(cat /proc/sys/net/ipv6/conf/all/forwarding):$_still" "1:"
	fi
	run env PIECES_NET6=none "$PIECES" -r "$S" run --net bridge alpine sh -c \
		'ip -o -6 addr show eth0 scope global; ip -o -4 addr show eth0'
	is "... PIECES_NET6=none: IPv4 alone, said nowhere" \
		"$rc:$(awk '{ print $3, $4 }' "$T/out"):$(cat "$T/err")" "0:inet $NET.2/24:"
	fails "... a bad PIECES_NET6" 125 "want an IPv6 prefix" \
		env PIECES_NET6=fd00::/120 "$PIECES" -r "$S" run --net bridge alpine true
else
	skip "--net bridge IPv6" "no IPv6 here"
fi
run p run --net bridge $NT alpine /nt connect unix "pieces-net-$$" 0
is "... the host's abstract unix socket is out of reach" "$rc:$(cat "$T/out")" "1:"
run p run --net bridge $NT alpine /nt connect tcp 127.0.0.1 $PORT
is "... and its loopback" "$rc:$(cat "$T/out")" "1:"
run p run --net bridge $NT alpine /nt raw
is "... no NET_RAW by default" "$rc:$(cat "$T/out")" "0:"
run p run --net bridge $NT --cap-add NET_RAW alpine /nt raw
is "... but it may be asked for" "$rc:$(cat "$T/out")" "0:raw inet"
run p run --net bridge alpine cat /etc/resolv.conf
is "... a resolver, none on the host's loopback" \
	"$(grep -c '^nameserver' "$T/out"):$(grep -c '^nameserver 127\.' "$T/out")" "$(($(grep -c '^nameserver' "$T/out") > 0 ? $(grep -c '^nameserver' "$T/out") : 1)):0"

# two containers: a server, and a client that finds it by its address
mkdir -p "$T/v"
# (on :: it takes IPv4 too)
ANY=0.0.0.0
[ -z "$V6" ] || ANY=::
"$PIECES" -r "$S" run --net bridge $NT -v "$T/v:/v" alpine sh -c \
	'ip -o -4 addr show eth0 | awk "{ print \$4 }" >/v/addr.tmp; mv /v/addr.tmp /v/addr; exec /nt listen tcp '$ANY' 80 /v/ready' \
	>/dev/null 2>&1 &
srv=$!
atexit "kill $srv"
i=0
while [ ! -e "$T/v/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
addr=$(cat "$T/v/addr" 2>/dev/null)
run p run --net bridge $NT alpine /nt connect tcp "${addr%/24}" 80
is "two containers on the bridge reach each other" "$rc:$(cat "$T/out"):$addr" "0:hi:$NET.2/24"
if [ -n "$V6" ]; then
	run p run --net bridge $NT alpine /nt connect tcp "$NET6::2" 80
	is "... and over IPv6" "$rc:$(cat "$T/out")" "0:hi"
fi
run p run --net bridge $NT alpine sh -c 'ip -o -4 addr show eth0'
is "... a second one gets the next address" "$(awk '{ print $4 }' "$T/out")" "$NET.3/24"
is "... the bridge is up, with the range's first address" \
	"$(ip -o -4 addr show "$BR" | awk '{ print $4 }'):$(ip -o link show "$BR" | grep -c '<.*UP')" \
	"$NET.1/24:1"
is "... its lease is held, and one link is on the bridge" "$(left)" "1 1"

# pieces killed: the kernel takes the veth with the container's
# namespace; the lease stays until the next run takes it back
kill -9 $srv
i=0
while [ "$(left)" != "0 1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "pieces killed: its container's link goes with it, its lease stays" "$(left)" "0 1"
run p run --net bridge alpine sh -c 'ip -o -4 addr show eth0'
is "... the next run takes the dead owner's address back" "$(awk '{ print $4 }' "$T/out")" "$NET.2/24"
is "... and nothing is left" "$(left)" "0 0"

# published ports: a relay from the host's loopback to the container
P1=$((PORT + 1)) P2=$((PORT + 2))
rm -f "$T/v/ready"
"$PIECES" -r "$S" run --net bridge $NT -v "$T/v:/v" -p 127.0.0.1:$P1:80 -p "127.0.0.1:$P2:53/udp" \
	alpine sh -c '/nt listen udp 0.0.0.0 53 & nc -lk -p 80 -e echo hi & sleep 0.5; touch /v/ready; wait' \
	>/dev/null 2>&1 &
srv=$!
atexit "kill $srv"
i=0
while [ ! -e "$T/v/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
run "$T/nt" connect tcp 127.0.0.1 $P1
is "-p: a published TCP port answers the host's loopback (Alpine's nc -e)" "$rc:$(cat "$T/out")" "0:hi"
run "$T/nt" connect tcp 127.0.0.1 $P1
is "... again" "$rc:$(cat "$T/out")" "0:hi"
run "$T/nt" connect udp 127.0.0.1 $P2 echo-me
is "... a UDP one too" "$rc:$(cat "$T/out")" "0:echo-me"
fails "... a port in use is a clear error" 125 "the host's port $P1 is in use" \
	p run --net bridge -p 127.0.0.1:$P1:80 alpine true
is "... which leaves nothing behind" "$(left)" "1 1"
fails "... nor can a port be published twice" 125 "published twice" \
	p run --net bridge -p $P2:80 -p 127.0.0.1:$P2:81 alpine true
relay=$(ps -o pid= -o user= --ppid $srv | awk '$2 == "nobody" { print $1 }')
is "... the relay runs as nobody" "$(echo "$relay" | wc -w)" 1
kill $srv
i=0
while { [ "$(left)" != "0 0" ] || [ -e "/proc/$relay" ]; } && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "... and goes when the container does, with its link and lease" "$(left):$([ -e "/proc/$relay" ] && echo relay)" "0 0:"
fails "-p: refused on --net none" 125 "from --net bridge only" p run --net none -p 8080:80 alpine true
fails "-p: not on an IPv6 address, saying so" 125 "not on an IPv6 address" \
	p run -p "[::1]:$P1:80" alpine true

run p run alpine sh -c 'ip -o -4 addr show eth0'
is "the default is the bridge" "$rc:$(awk '{ print $4 }' "$T/out")" "0:$NET.2/24"

# outbound access: a server in a network namespace of the test's own,
# behind a veth pair with a /30 of 198.19.x.0, which knows no route to
# the bridge's range: only a masquerade makes its answers come back
OUT=pt$$o
OIP=198.19.$(($$ % 250))
if ip netns add "$OUT" 2>/dev/null; then
	atexit "ip netns del $OUT"
	atexit "ip link del ${OUT}a"
	ip link add "${OUT}a" type veth peer name "${OUT}b" netns "$OUT" &&
	ip addr add "$OIP.1/30" dev "${OUT}a" && ip link set "${OUT}a" up &&
	ip -n "$OUT" addr add "$OIP.2/30" dev "${OUT}b" && ip -n "$OUT" link set "${OUT}b" up
	serve out ip netns exec "$OUT" "$T/nt" listen tcp "$OIP.2" 80
	atexit "ip netns pids $OUT | xargs -r kill"
	run p run $NT alpine /nt connect tcp "$OIP.2" 80
	is "outbound: a bridge container reaches a server beyond the host, masqueraded" \
		"$rc:$(cat "$T/out")" "0:hi"
	# IPv6 the same: another prefix on the pair, which the namespace
	# knows no route back from to the bridge's
	O6=fd70:6965:6366:$(printf %x $(($$ % 65536)))
	if [ -n "$V6" ] && ip addr add "$O6::1/64" dev "${OUT}a" nodad &&
		ip -n "$OUT" addr add "$O6::2/64" dev "${OUT}b" nodad; then
		serve out6 ip netns exec "$OUT" "$T/nt" listen tcp "$O6::2" 80
		run p run $NT alpine /nt connect tcp "$O6::2" 80
		is "... and over IPv6, through the ip6 masquerade" "$rc:$(cat "$T/out")" "0:hi"
		run ip -n "$OUT" -6 route get "$NET6::2"
		is "... which alone brings the answers back (no route to the bridge's prefix there)" \
			"$rc" 2
	fi
	mkdir -p "$T/b"
	printf 'FROM alpine\nRUN /nt connect tcp %s 80 >/got\n' "$OIP.2" >"$T/b/Piecefile"
	cp "$T/nt" "$T/b/nt"
	printf 'FROM alpine\nCOPY nt /nt\n' >"$T/b/Piecefile.base"
	run p build -t ntimg -f "$T/b/Piecefile.base" "$T/b"
	printf 'FROM ntimg\nRUN /nt connect tcp %s 80 >/got\n' "$OIP.2" >"$T/b/Piecefile"
	run p build -t outb "$T/b"
	is "... so does a RUN step, by default" "$rc:$(cat "$S/images/outb/rootfs/got" 2>/dev/null)" "0:hi"
	fails "... but not with build --network none" 1 "RUN" \
		p build --no-cache --network none -t outn "$T/b"
else
	skip "outbound" "no ip netns here"
fi
# many runs, every other one publishing a port: nothing piles up
i=0 bad=0
while [ $i -lt 100 ]; do
	if [ $((i % 2)) = 0 ]; then
		p run alpine true >/dev/null 2>"$T/many.err" || bad=$((bad + 1))
	else
		p run -p "127.0.0.1:$P1:80" alpine true >/dev/null 2>"$T/many.err" ||
			bad=$((bad + 1))
	fi
	[ ! -s "$T/many.err" ] || sed "s/^/# run $i: /" "$T/many.err"
	i=$((i + 1))
done
is "100 runs on the bridge, half of them publishing a port, all fine" "$bad" 0
if command -v nft >/dev/null; then
	hex=$(printf 'pcv%02x%02x%02x' $(echo "$NET" | tr . ' '))
	is "no nf_tables table of the test's is left" "$(nft list tables | grep -c "pieces-$hex")" 0
else
	skip "no table left" "no nft(8) to list them with"
fi
is "no link, lease, bridge or address is left after the last container" \
	"$(left):$(ip link show "$BR" 2>/dev/null | wc -l):$(ip addr | grep -c -e " $NET\." -e " $NET6:")" \
	"0 0:0:0"
fails "-p: a bad one" 125 "want \[IP:\]HOSTPORT:PORT" p run --net bridge -p 80 alpine true

finish
