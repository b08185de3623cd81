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
#	finish			print the totals and exit
set -u
: "${PIECES:?PIECES must name the binary under test}"
TZ=UTC
LC_ALL=C
export TZ LC_ALL
umask 022
T=$(mktemp -d "${TMPDIR:-/tmp}/pieces-test.XXXXXX")
FIXTURES=${FIXTURES:-$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures}
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

needroot() {
	[ "$(id -u)" = 0 ]
}

finish() {
	echo "1..$_n"
	echo "$_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" = 0 ]
	exit
}
