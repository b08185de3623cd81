#!/bin/sh
# See LICENSE file for copyright and license details.
#
# deps.sh: a dependency tarball that is not the pinned one stops the build.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$T/src/deps"
cp "$top/config.mk" "$top/deps.sh" "$T/src/"
tar=$(sed -n 's/^ZLIB_TAR = //p' "$top/config.mk")
pin=$(sed -n 's/^ZLIB_SHA256 = //p' "$top/config.mk")
echo "not zlib" >"$T/src/deps/$tar"
sum=$(sha256sum "$T/src/deps/$tar" | cut -d' ' -f1)
fails "corrupt tarball in deps/ stops the build" 1 \
	"deps/$tar: checksum mismatch: sha256 is $sum, config.mk pins $pin" \
	sh -c "cd '$T/src' && sh deps.sh cc '$T/src/build/x'"
is "nothing was built from it" "$(ls "$T/src/build/x/lib")" ""
ok "the tarball is left for the user to see" test -f "$T/src/deps/$tar"

if [ -n "${PIECES_ASAN:-}" ] || [ ! -x "$top/pieces" ]; then
	skip "a second make rebuilds nothing" "no ./pieces built in $top"
else
	ok "a second make rebuilds nothing" make -q -C "$top" pieces
fi
finish
