# See LICENSE file for copyright and license details.
#
# test/lib.sh: the harness every test/*.sh sources.  It gives each test a
# private directory $T (removed on exit), TAP lines, SKIP with a reason and a
# closing "N passed, N failed" line; the script exits non-zero on a failure.
#
#	run CMD...		run CMD; its status in $rc, output in $T/out, $T/err
#	ok DESC CMD...		pass if CMD succeeds
#	is DESC GOT WANT	pass if GOT = WANT
#	fails DESC STATUS PATTERN CMD...
#				pass if CMD exits STATUS and its stderr has PATTERN
#	skip DESC REASON	a test that cannot run here, and why
#	atexit CMD		run CMD (a string) when the script ends
#	httpsd DIR		serve DIR over loopback HTTPS (see below)
#	$ARCH, $DEBARCH, $ALPINE, $ALPINESUM
#				this machine's architecture (as arch/ and as
#				Debian name it), its Alpine fixture and its sum
#	p ARG...		pieces with the test's store, $S
#	mounts			how many mounts this process sees
#	ocibundle WHAT		for the pieces-runc tests: see below
#	finish			print the totals and exit
set -u
: "${PIECES:?PIECES must name the binary under test}"
TZ=UTC
LC_ALL=C
export TZ LC_ALL
umask 022
T=$(mktemp -d "${TMPDIR:-/tmp}/pieces-test.XXXXXX")
FIXTURES=${FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures}
# this machine's architecture as arch/ names it, and its Alpine fixture
ARCH=$(uname -m | sed -e 's/^armv[78].*/armv7/' -e 's/^mips$/mipsel/')
ALPINE=$FIXTURES/alpine-minirootfs-3.18.9-$ARCH.tar.gz
ALPINESUM=$(sed -n "s/  ${ALPINE##*/}\$//p" "$FIXTURES/SHA256SUMS" 2>/dev/null)
DEBARCH=$(sed -n 's/^DEBARCH = //p' "$(dirname "$0")/../arch/$ARCH/arch.mk" 2>/dev/null)
_n=0 _pass=0 _fail=0 _skip=0 _hooks=

atexit() {
	_hooks="$1; $_hooks"
}

_cleanup() {
	eval "$_hooks" >/dev/null 2>&1
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

_result() {
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		_pass=$((_pass + 1))
		echo "ok $_n - $2"
	else
		_fail=$((_fail + 1))
		echo "not ok $_n - $2"
		[ -s "$T/err" ] && sed 's/^/#   stderr: /' "$T/err" | head -5
	fi
	return 0
}

run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

ok() {
	_d=$1
	shift
	run "$@"
	_result "$rc" "$_d"
}

is() {
	if [ "$2" = "$3" ]; then
		_result 0 "$1"
	else
		_result 1 "$1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3" | head -20
	fi
}

fails() {
	_d=$1 _st=$2 _pat=$3
	shift 3
	run "$@"
	if [ "$rc" != "$_st" ]; then
		_result 1 "$_d"
		echo "#   exit status $rc, want $_st"
	elif ! grep -q -e "$_pat" "$T/err"; then
		_result 1 "$_d"
		echo "#   stderr lacks: $_pat"
	else
		_result 0 "$_d"
	fi
}

skip() {
	_n=$((_n + 1))
	_skip=$((_skip + 1))
	echo "ok $_n # SKIP $1: $2"
}

p() {
	"$PIECES" -r "$S" "$@"
}

mounts() {
	wc -l </proc/self/mountinfo
}

needroot() {
	[ "$(id -u)" = 0 ]
}

# ocibundle WHAT: for the pieces-runc tests (oci*.sh), $R (a pieces-runc
# link to $PIECES), its --root $ROOT, whose containers are deleted at
# exit, and the bundle $B with the Alpine fixture in rootfs, or a skip of
# WHAT and the end of the test; and, from then on,
#	r ARG...		$R --root $ROOT ARG...
#	status ID		what state says of container ID
#	waitfor ID STATUS	up to 5 s for state to say STATUS; then status
ocibundle() {
	R=$T/pieces-runc
	ln -s "$PIECES" "$R"
	ROOT=$T/root
	B=$T/b
	mkdir -p "$B/rootfs"
	tar -xzf "$ALPINE" -C "$B/rootfs" || { skip "$1" "no Alpine fixture"; finish; }
	atexit "for c in \$('$R' --root '$ROOT' list -q); do '$R' --root '$ROOT' delete -f \$c; done"
	r() {
		"$R" --root "$ROOT" "$@"
	}
	status() {
		r state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'
	}
	waitfor() {
		_i=0
		while [ "$(status "$1")" != "$2" ] && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		status "$1"
	}
}

# httpsd DIR: serve DIR over HTTPS on 127.0.0.1 with a CA made here,
# each request line logged to $T/log; it sets PORT and exports
# SSL_CERT_FILE so pieces trusts the CA, or returns 1 if it cannot.
httpsd() {
	_c=$T/ca
	mkdir -p "$_c"
	for _tool in openssl python3; do
		command -v $_tool >/dev/null || return 1
	done
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$_c/ca.key" -out "$_c/ca.pem" \
		-days 30 -subj "/CN=pieces test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" >"$_c/log" 2>&1 &&
	openssl req -new -newkey rsa:2048 -nodes -keyout "$_c/srv.key" -out "$_c/srv.csr" \
		-subj "/CN=127.0.0.1" >>"$_c/log" 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$_c/ext" &&
	openssl x509 -req -in "$_c/srv.csr" -CA "$_c/ca.pem" -CAkey "$_c/ca.key" \
		-CAcreateserial -days 30 -extfile "$_c/ext" -out "$_c/srv.pem" >>"$_c/log" 2>&1 ||
		return 1
	cat >"$_c/server.py" <<'EOF'
import functools, http.server, ssl, sys
cert, key, portfile, log, www = sys.argv[1:6]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(log, 'a') as f:
            f.write(self.requestline + '\n')
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=www))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile, 'w') as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
EOF
	: >"$T/log"
	python3 "$_c/server.py" "$_c/srv.pem" "$_c/srv.key" "$_c/port" "$T/log" "$1" \
		2>"$_c/server.err" &
	atexit "kill $!"
	_i=0
	while [ ! -s "$_c/port" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -s "$_c/port" ] || return 1
	PORT=$(cat "$_c/port")
	SSL_CERT_FILE=$_c/ca.pem
	export SSL_CERT_FILE
}

finish() {
	echo "1..$_n"
	echo "$_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" = 0 ]
	exit
}
