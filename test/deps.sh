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

# A deb-src archive of three suites, as a lagging mirror serves them: one
# names the pinned version but lacks its file, one has only a newer
# version, one has the pinned version whole.  The tarball is a stand-in
# whose sum the copied config.mk pins, so no real source is needed.
if ! command -v apt-get >/dev/null; then
	skip "deps.sh passes over unfetchable suites" "no apt-get"
else
	a=$T/archive
	mkdir -p "$a/lost" "$a/newer" "$a/good" "$T/src2"
	cp "$top/deps.sh" "$T/src2/"
	dtar=$(sed -n 's/^ZLIB_DEB_TAR = //p' "$top/config.mk")
	ver=$(sed -n 's/^ZLIB_DEB_VERSION = //p' "$top/config.mk")
	echo "a stand-in for $dtar" >"$a/good/$dtar"
	dsum=$(sha256sum "$a/good/$dtar" | cut -d' ' -f1)
	sed -e "s/^ZLIB_DEB_SHA256 = .*/ZLIB_DEB_SHA256 = $dsum/" \
		-e "s|^ZLIB_URL = .*|ZLIB_URL = file://$T/nowhere/zlib.tar.gz|" \
		"$top/config.mk" >"$T/src2/config.mk"
	stanza() {
		printf 'Package: zlib\nBinary: zlib1g\nVersion: %s\nMaintainer: t <t@t>\n' "$1"
		printf 'Architecture: any\nFormat: 3.0 (quilt)\nDirectory: .\nFiles:\n'
		printf ' %s %s %s\n' "$(md5sum <"$a/good/$dtar" | cut -d' ' -f1)" \
			"$(wc -c <"$a/good/$dtar")" "$dtar"
		printf 'Checksums-Sha256:\n %s %s %s\n\n' "$dsum" "$(wc -c <"$a/good/$dtar")" "$dtar"
	}
	stanza "$ver" >"$a/lost/Sources"
	stanza "$ver+deb12u9" >"$a/newer/Sources"
	stanza "$ver" >"$a/good/Sources"
	for s in lost newer good; do
		echo "deb-src [trusted=yes] file://$a/$s ./"
	done >"$T/sources"
	run sh -c "cd '$T/src2' && DEPS_APT_SOURCES='$T/sources' sh deps.sh -f ZLIB"
	is "deps.sh passes over a missing file and a newer-only suite" \
		"$rc $(cat "$T/out")" "0 $T/src2/build/dl/$dtar"
	cp "$T/err" "$T/said"
	ok "it asked for exactly the pinned version" grep -q "zlib=$ver: trying" "$T/said"
	grep -v good "$T/sources" >"$T/sources2"
	rm -rf "$T/src2/build"
	fails "when every place fails it stops" 1 "place .* in $T/src2/deps/" \
		sh -c "cd '$T/src2' && DEPS_APT_SOURCES='$T/sources2' sh deps.sh -f ZLIB"
	cp "$T/err" "$T/said"
	ok "and says why each place failed" sh -c \
		"grep -q '/lost ./: Failed to fetch.*$dtar' '$T/said' &&
		 grep -q \"/newer ./: Can not find version '$ver'\" '$T/said' &&
		 grep -q 'nowhere/zlib.tar.gz: ' '$T/said'"
	is "in a few lines: a line a place, then what to do" "$(wc -l <"$T/said")" 8
fi

if [ -n "${PIECES_ASAN:-}" ] || [ ! -x "$top/pieces" ]; then
	skip "a second make rebuilds nothing" "no ./pieces built in $top"
else
	ok "a second make rebuilds nothing" make -q -C "$top" pieces
fi
finish
