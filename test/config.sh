#!/bin/sh
# See LICENSE file for copyright and license details.
#
# The config file and the environment beside it (config.c), through
# `pieces fetch` with local mirrors, so nothing leaves the machine: every
# key, comments and blank lines, the order mirrors match in, and every
# refusal with its file and line.  The credentials file is login's, in
# registry.sh.
. "$(dirname "$0")/lib.sh"

C=$T/config
M=$T/mirror
mkdir -p "$M/a" "$M/b"
echo a >"$M/a/f"
echo b >"$M/b/f"
unset PIECES_MIRRORS PIECES_TIMEOUT
PIECES_CONFIG=$C
export PIECES_CONFIG
# cf LINE...: the config file is these lines
cf() {
	printf '%s\n' "$@" >"$C"
}
# got DESC WANT [VAR=VALUE...]: fetching https://example.invalid/f, with
# those in the environment, prints WANT, quietly
got() {
	_d=$1 _w=$2
	shift 2
	run env "$@" "$PIECES" fetch https://example.invalid/f
	is "$_d" "$rc $(cat "$T/out")|$(cat "$T/err")" "0 $_w|"
}
# bad DESC MESSAGE [VAR=VALUE...]: the fetch fails with one line, "pieces: MESSAGE"
bad() {
	_d=$1 _w=$2
	shift 2
	run env "$@" "$PIECES" fetch https://example.invalid/f
	is "$_d" "$rc $(cat "$T/err")|$(cat "$T/out")" "1 pieces: $_w|"
}
WANT="want 'mirror FROM TO', 'auth HOST USER:PASSWORD', 'cafile FILE' or 'timeout SECONDS'"

# every key, and what is not a line
cf '# the mirror' '' "mirror https://example.invalid/ $M/a/" '	# indented' \
	'auth registry.example.com joe:pw' "cafile $T/ca.pem" 'timeout 5'
got "every key, comments and blank lines" a
printf 'timeout 5\r\nmirror https://example.invalid/ %s/a/\r\n' "$M" >"$C"
got "CRLF lines" a
printf 'mirror https://example.invalid/ %s/a/' "$M" >"$C"
got "a last line without its newline" a
cf "mirror	https://example.invalid/		$M/a/"
got "tabs between the words" a

# which mirror
cf "mirror https://example.invalid/ $M/a/" "mirror https://example.invalid/ $M/b/"
got "the first matching mirror line wins" a
cf "mirror https://other.invalid/ $M/b/" "mirror https://example.invalid/ $M/a/"
got "one that does not match is passed over" a
got "PIECES_MIRRORS comes before the file" b PIECES_MIRRORS="https://example.invalid/=$M/b/"
got "PIECES_MIRRORS holds a list" a \
	PIECES_MIRRORS="https://other.invalid/=$M/b/ https://example.invalid/=$M/a/"

# refusals, each naming the file and line
cf '# one' "mirror https://example.invalid/"
bad "a mirror without its target" "$C:2: $WANT"
cf "mirror https://example.invalid/ $M/a/ more"
bad "a word too many" "$C:1: $WANT"
cf "mirror https://example.invalid/ $M/a/ 1 2 3 4 5 6 7 8 9"
bad "many words too many" "$C:1: $WANT"
cf 'proxy http://p.invalid'
bad "an unknown key" "$C:1: $WANT"
cf 'MIRROR a b'
bad "keys are lower case" "$C:1: $WANT"
cf 'cafile'
bad "cafile without a file" "$C:1: $WANT"
for v in 0 3601 5s -1 0x10; do
	cf "timeout $v"
	bad "timeout $v refused" "$C:1: timeout '$v': want 1 to 3600 seconds"
done
cf 'timeout'
bad "timeout without a value" "$C:1: $WANT"
cf "mirror https://example.invalid/ $M/a/" 'timeout 0'
bad "a bad line refuses the whole file" "$C:2: timeout '0': want 1 to 3600 seconds"

# the environment
cf "mirror https://example.invalid/ $M/a/"
bad "a bad PIECES_TIMEOUT" "PIECES_TIMEOUT: timeout 'x': want 1 to 3600 seconds" PIECES_TIMEOUT=x
got "a good PIECES_TIMEOUT" a PIECES_TIMEOUT=9
bad "a PIECES_MIRRORS word without =" "PIECES_MIRRORS: 'nothing': want FROM=TO" \
	PIECES_MIRRORS=nothing
bad "a PIECES_MIRRORS word without FROM" "PIECES_MIRRORS: '=x': want FROM=TO" PIECES_MIRRORS==x

# the file itself
bad "a PIECES_CONFIG that is not there" "$T/nosuch: No such file or directory" \
	PIECES_CONFIG="$T/nosuch"
bad "a directory" "$T: Is a directory" PIECES_CONFIG="$T"
{ echo "mirror https://example.invalid/ $M/a/"; head -c 70000 /dev/zero | tr '\0' '#'; } >"$C"
bad "a file over CONFIGMAX" "$C: larger than CONFIGMAX (65536 bytes)"
cf "mirror https://example.invalid/ $M/a/"
head -c $((65536 - $(wc -c <"$C"))) /dev/zero | tr '\0' '#' >>"$C"
is "a file of CONFIGMAX bytes" "$(wc -c <"$C")" 65536
got "is read" a
printf '#' >>"$C"
bad "one byte more is not" "$C: larger than CONFIGMAX (65536 bytes)"
bad "/dev/zero" "/dev/zero: larger than CONFIGMAX (65536 bytes)" PIECES_CONFIG=/dev/zero

finish
