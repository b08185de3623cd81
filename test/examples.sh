#!/bin/sh
# See LICENSE file for copyright and license details.
#
# examples/: every Piecefile there is built and run, offline, as its
# comment tells a user to, so that no example can rot.  What they are
# FROM comes from a file:// mirror of the official hosts: the Alpine
# fixture under its official path, and for ubuntu:22.04 (verified by the
# SHA256SUMS beside it) a stand-in, Alpine with a bash, since no Ubuntu
# tarball is at hand offline.  An example without a check here fails.
. "$(dirname "$0")/lib.sh"
EX=$(cd "$(dirname "$0")/../examples" && pwd)

if ! needroot; then
	skip "examples" "run needs root"
	finish
fi
[ -f "$ALPINE" ] || { skip "examples" "no Alpine fixture for $ARCH"; finish; }
arch=$ARCH
S=$T/store

M=$T/mirror
APATH=/alpine/v3.18/releases/$arch/alpine-minirootfs-3.18.9-$arch.tar.gz
UPATH=/ubuntu-base/releases/22.04/release
UFILE=ubuntu-base-22.04.5-base-$DEBARCH.tar.gz
mkdir -p "$M/alpine${APATH%/*}" "$M/ubuntu$UPATH" "$T/fake/bin"
cp "$ALPINE" "$M/alpine$APATH"
printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$T/fake/bin/bash"
chmod 755 "$T/fake/bin/bash"
gzip -dc "$ALPINE" >"$T/fake.tar"
tar -rf "$T/fake.tar" -C "$T/fake" ./bin/bash
gzip -c "$T/fake.tar" >"$M/ubuntu$UPATH/$UFILE"
(cd "$M/ubuntu$UPATH" && sha256sum "$UFILE" | sed 's/  / */' >SHA256SUMS)
PIECES_MIRRORS="https://dl-cdn.alpinelinux.org=file://$M/alpine
	https://cdimage.ubuntu.com=$M/ubuntu"
PIECES_CONFIG=$T/config
: >"$PIECES_CONFIG"
export PIECES_MIRRORS PIECES_CONFIG

# site: served to a request from the host; port 8080, as its comment says
site() {
	if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' \
	    2>/dev/null; then
		skip "examples/site serves its page" "port 8080 is taken on this host"
		return
	fi
	"$PIECES" -r "$S" run -p 8080:8080 site >"$T/site.out" 2>"$T/site.err" &
	pid=$!
	atexit "kill $pid"
	get() {
		python3 - "$1" <<'PY'
import sys, time, urllib.request, urllib.error
for i in range(100):
    try:
        r = urllib.request.urlopen('http://127.0.0.1:8080' + sys.argv[1], timeout=5)
        sys.stdout.write('%d\n%s' % (r.status, r.read().decode()))
        break
    except urllib.error.HTTPError as e:
        sys.stdout.write('%d\n' % e.code)
        break
    except OSError:
        time.sleep(0.1)
PY
	}
	is "examples/site serves its page to the host" "$(get /)" \
		"200
$(cat "$EX/site/www/index.html")"
	is "and nothing outside /srv/www" "$(get /../etc/passwd)" 404
	is "nor a missing page" "$(get /nosuch.html)" 404
	if [ -d "$EX/wget" ]; then
		run p run --net host wget
		is "examples/wget fetches it from a container" "$rc $(cat "$T/out")" \
			"0 $(cat "$EX/site/www/index.html")"
	fi
	kill "$pid"
	{ wait "$pid"; } 2>/dev/null
	is "pieces run site stops on SIGTERM" "$?" 143
}

for f in "$EX"/*/Piecefile; do
	d=$(dirname "$f")
	x=$(basename "$d")
	ok "examples/$x parses" p piecefile -n "$f"
	case $x in
	hello)
		# as make demo does it, in a copy: the binary is built first
		cp -R "$d" "$T/hello"
		musl-gcc -static -Os -o "$T/hello/hello" "$T/hello/hello.c"
		ok "examples/hello builds" p build -t hello "$T/hello"
		run p run hello
		is "and runs as make demo runs it" "$(head -n 1 "$T/out")" \
			"hello from a pieces container"
		is "in its own PID namespace" "$(sed -n 's/.*pid \([0-9]*\),.*/\1/p' "$T/out")" 2
		;;
	ubuntu)
		# as its comment says: pieces build . there, then ps aux
		(cd "$d" && p build .) >"$T/out" 2>"$T/err"
		is "examples/ubuntu builds ubuntu-22.04" "$? $(tail -n 1 "$T/out")" \
			"0 built ubuntu-22.04"
		ok "and runs its CMD" p run ubuntu-22.04
		run p run ubuntu-22.04 ps aux
		is "and ps aux: init and ps" "$(awk 'NR > 1 { print $1 }' "$T/out" | tr '\n' ' ')" \
			"1 2 "
		;;
	site|wget)
		ok "examples/$x builds" p build -t "$x" "$d"
		;;
	*)
		is "examples/$x has a check in test/examples.sh" "none" "one"
		;;
	esac
done
[ -d "$EX/site" ] && site
finish
