#!/bin/sh
# See LICENSE file for copyright and license details.
#
# gzip through pieces untar: the header's optional fields, several members
# one after another, plain tar passed through; a bad CRC or length, a cut
# stream, a broken deflate stream and the other compressors' magic are one
# "pieces: " line and exit 1.  The gzip files are built byte by byte here.
. "$(dirname "$0")/lib.sh"
unset PIECES_NO_OPENAT2
export T
R=$T/r
mkdir "$T/gz" "$T/want"

# One tar of three files (small, incompressible, compressible) and the
# files themselves in $T/want; then every gzip form of it in $T/gz.
cat >"$T/gzmk.py" <<'EOF'
import hashlib, io, os, struct, tarfile, zlib

T = os.environ['T']
FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT = 1, 2, 4, 8, 16

files = {
	'a': b'alpha\n',
	'b': b''.join(hashlib.sha256(b'%d' % i).digest() for i in range(4000)),
	'c': b'compressible\n' * 5000,
}
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as t:
	for name, data in files.items():
		ti = tarfile.TarInfo(name)
		ti.size, ti.mtime = len(data), 1700000000
		t.addfile(ti, io.BytesIO(data))
		open(os.path.join(T, 'want', name), 'wb').write(data)
TAR = buf.getvalue()

def deflate(data):
	c = zlib.compressobj(9, zlib.DEFLATED, -15)
	return c.compress(data) + c.flush()

def member(data, flags=0, extra=b'', name=b'', comment=b'', hcrc=None,
           crc=None, isize=None, method=8, body=None):
	"""one gzip member (RFC 1952); each argument can be made wrong"""
	h = bytes([0x1f, 0x8b, method, flags]) + struct.pack('<I', 1700000000)
	h += b'\x02\x03'
	if flags & FEXTRA:
		h += struct.pack('<H', len(extra)) + extra
	if flags & FNAME:
		h += name + b'\0'
	if flags & FCOMMENT:
		h += comment + b'\0'
	if flags & FHCRC:
		if hcrc is None:
			hcrc = zlib.crc32(h) & 0xffff
		h += struct.pack('<H', hcrc)
	if body is None:
		body = deflate(data)
	if crc is None:
		crc = zlib.crc32(data)
	if isize is None:
		isize = len(data) & 0xffffffff
	return h + body + struct.pack('<II', crc, isize)

def write(name, data):
	open(os.path.join(T, 'gz', name), 'wb').write(data)

EXTRA = b'AP' + struct.pack('<H', 4) + b'\x01\x02\x03\x04'
write('plain.tar', TAR)
write('fextra.gz', member(TAR, FEXTRA, extra=EXTRA))
write('fname.gz', member(TAR, FNAME, name=b'rootfs.tar'))
write('fcomment.gz', member(TAR, FCOMMENT, comment=b'a comment'))
write('fhcrc.gz', member(TAR, FHCRC))
write('allflags.gz', member(TAR, FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT,
                            extra=EXTRA, name=b'rootfs.tar',
                            comment=b'a comment'))
# one tar cut mid-block into members, one of them empty
write('multi.gz', member(TAR[:70001]) + member(TAR[70001:]))
write('multi3.gz', member(TAR[:1000]) + member(b'') + member(TAR[1000:]))

good = member(TAR)
crc = bytearray(good)
crc[-8] ^= 0xff
write('crc.gz', bytes(crc))
isize = bytearray(good)
isize[-1] ^= 0x01
write('isize.gz', bytes(isize))
write('cut-body.gz', good[:len(good) // 2])
write('cut-trailer.gz', good[:-4])
write('cut-header.gz', good[:6])
write('cut-second.gz', member(TAR[:70001]) + member(TAR[70001:])[:100])
# a stored block's header is fine; BTYPE 3 is reserved, an error
write('btype3.gz', member(TAR, body=b'\x07' + deflate(TAR)))
body = bytearray(deflate(TAR))
body[len(body) // 3] ^= 0x55
write('flipped.gz', member(TAR, body=bytes(body)))
write('xz.tar.xz', b'\xfd7zXZ\x00\x00\x04' + b'junk' * 100)
write('bzip2.tar.bz2', b'BZh91AY&SY' + b'junk' * 100)
write('zstd.tar.zst', b'\x28\xb5\x2f\xfd' + b'junk' * 100)
write('method.gz', member(TAR, method=7))
write('reserved.gz', member(TAR, 0xe0))
write('badhcrc.gz', member(TAR, FHCRC, hcrc=0x1234))
EOF
if ! python3 "$T/gzmk.py" 2>"$T/gzmk.err"; then
	is "build the gzip files" "$(tail -n 1 "$T/gzmk.err")" ""
fi

# px ARCHIVE: pieces untar $R < ARCHIVE, into a fresh $R
px() {
	rm -rf "$R"
	"$PIECES" untar "$R" <"$1"
}

# extracts DESC ARCHIVE: pieces takes it and the three files come out whole
extracts() {
	ok "$1" px "$2"
	for _f in a b c; do
		cmp -s "$T/want/$_f" "$R/$_f"
		is "$1: $_f intact" "$?" 0
	done
}

# refuse DESC PATTERN ARCHIVE: pieces untar exits 1 with exactly one line on
# stderr, starting "pieces: " and matching PATTERN (ignoring case)
refuse() {
	run px "$3"
	_why=
	[ "$rc" = 1 ] || _why="exit $rc;"
	_l=$(wc -l <"$T/err")
	[ "$_l" = 1 ] || _why="$_why $_l lines on stderr;"
	head -n 1 "$T/err" | grep -q '^pieces: ' || _why="$_why no 'pieces: ';"
	grep -qi -e "$2" "$T/err" || _why="$_why stderr lacks /$2/;"
	is "$1" "${_why:-refused}" refused
}

g=$T/gz
extracts "plain tar passes through" "$g/plain.tar"
gzip -9 -n -c "$g/plain.tar" >"$T/gzip-tool.gz"
extracts "gzip(1)'s output" "$T/gzip-tool.gz"
head -c 70001 "$g/plain.tar" | gzip -c >"$T/cat.gz"
tail -c +70002 "$g/plain.tar" | gzip -c >>"$T/cat.gz"
extracts "gzip(1): a tar cut in two, the halves' gzip files catenated" \
	"$T/cat.gz"
extracts "FEXTRA" "$g/fextra.gz"
extracts "FNAME" "$g/fname.gz"
extracts "FCOMMENT" "$g/fcomment.gz"
extracts "FHCRC" "$g/fhcrc.gz"
extracts "every flag" "$g/allflags.gz"
extracts "two members" "$g/multi.gz"
extracts "three members, one empty" "$g/multi3.gz"

refuse "CRC mismatch" crc "$g/crc.gz"
refuse "ISIZE mismatch" 'size\|length' "$g/isize.gz"
refuse "cut in the deflate stream" truncat "$g/cut-body.gz"
refuse "cut in the trailer" truncat "$g/cut-trailer.gz"
refuse "cut in the header" truncat "$g/cut-header.gz"
refuse "cut in the second member" truncat "$g/cut-second.gz"
refuse "reserved deflate block type" 'gzip\|deflate\|inflate\|block' \
	"$g/btype3.gz"
refuse "corrupted deflate stream" 'gzip\|deflate\|inflate\|crc\|checksum' \
	"$g/flipped.gz"
refuse "xz" xz "$g/xz.tar.xz"
refuse "bzip2" bzip2 "$g/bzip2.tar.bz2"
refuse "zstd" zstd "$g/zstd.tar.zst"
# RFC 1952 says a decoder must refuse these
refuse "compression method other than deflate" 'method\|gzip' "$g/method.gz"
refuse "reserved flag bits" 'flag\|reserved\|gzip' "$g/reserved.gz"
refuse "FHCRC mismatch" 'crc\|header' "$g/badhcrc.gz"
finish
