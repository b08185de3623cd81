#!/bin/sh
# See LICENSE file for copyright and license details.
#
# The binary itself: one static file, its help, version and usage errors.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${PIECES_ASAN:-}" ]; then
	skip "static binary" "the sanitizer build links the system libc"
else
	run readelf -lW "$PIECES"
	grep -q INTERP "$T/out"
	is "no PT_INTERP" "$?" 1
	run file -L "$PIECES"
	grep -q 'statically linked' "$T/out"
	is "file says statically linked" "$?" 0
	run ldd "$PIECES"
	grep -q '=>' "$T/out"
	is "ldd finds no libraries" "$?" 1
fi

for h in help --help -h; do
	ok "pieces $h exits 0" "$PIECES" $h
	grep -q '^usage: pieces' "$T/out"
	is "pieces $h prints usage on stdout" "$?" 0
	is "pieces $h is quiet on stderr" "$(cat "$T/err")" ""
done
ok "pieces help version" "$PIECES" help version
is "help version names the command" "$(head -n 1 "$T/out")" "usage: pieces version"
ok "pieces version -h" "$PIECES" version -h
grep -q '^usage: pieces version' "$T/out"
is "version -h prints its usage" "$?" 0

conf() {
	sed -n "s/^$1 = //p" "$top/config.mk"
}
ok "pieces version" "$PIECES" version
is "version lines" "$(cat "$T/out")" "pieces $(conf VERSION)
zlib $(conf ZLIB_VERSION)
BearSSL $(conf BEARSSL_VERSION)"

fails "no command: usage, exit 1" 1 '^usage: pieces' "$PIECES"
is "no command: nothing on stdout" "$(cat "$T/out")" ""
fails "unknown command" 1 'pieces: frobnicate: unknown command' "$PIECES" frobnicate
is "unknown command: nothing on stdout" "$(cat "$T/out")" ""
is "unknown command: one line, pointing at help" "$(cat "$T/err")" \
	"pieces: frobnicate: unknown command ('pieces help' lists them)"
fails "a near miss names the nearest command" 1 "imgaes: unknown command; did you mean 'images'?" \
	"$PIECES" imgaes
is "in one line" "$(wc -l <"$T/err")" 1
fails "an unknown global option: one line" 1 "^usage: pieces .*'pieces help' lists" "$PIECES" -Z x
is "one line of usage" "$(grep -c usage "$T/err")" 1
is "the man page's footer carries the version" "$(sed -n 's/^\.Os //p' "$top/pieces.1")" \
	"pieces $(conf VERSION)"
ok "pieces --version" "$PIECES" --version
is "--version is version" "$(head -n 1 "$T/out")" "pieces $(sed -n 's/^VERSION = //p' "$top/config.mk")"
for c in import load save pull login images inspect rmi prune run build fetch sha256 seccomp untar \
    piecefile help version; do
	run "$PIECES" "$c" --help
	is "pieces $c --help: its usage, exit 0" "$rc $(head -n 1 "$T/out" | cut -d' ' -f1-3)" \
		"0 usage: pieces $c"
done
fails "unknown global option" 1 '^usage: pieces' "$PIECES" -Z version
fails "-r without an argument" 1 '^usage: pieces' "$PIECES" -r
fails "help for an unknown command" 1 'nosuch: unknown command' "$PIECES" help nosuch
fails "help with two operands" 1 '^usage: pieces help' "$PIECES" help a b
fails "version with an operand" 1 '^usage: pieces version' "$PIECES" version extra
fails "version with a bad option" 1 '^usage: pieces version' "$PIECES" version -x
ok "-r before the command" "$PIECES" -r "$T/store" version
ok "--root before the command" "$PIECES" --root "$T/store" version

run sh -c "'$PIECES' version >/dev/full"
is "a failed write to stdout is an error" "$rc" 1
finish
