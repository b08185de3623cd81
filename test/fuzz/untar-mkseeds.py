#!/usr/bin/env python3
# See LICENSE file for copyright and license details.
#
# untar-mkseeds.py [DIR]: write the seed inputs of test/fuzz/untar.c to DIR
# (default test/fuzz/seeds).  Each seed is the harness's control byte
# (bit 0 layer, bit 1 two passes, bit 2 failing input, bits 3-4 read
# sizes, bit 5 checksums fixed by the harness, bit 6 gzip'd by the
# harness, bit 7 seed of the read sizes) and then a small archive, valid
# or nearly, that reaches one feature of gzip.c or tar.c.  The output is
# the same on every run: fixed times, no names from the host.
import gzip
import io
import os
import struct
import sys
import tarfile
import zlib

LAYER, TWICE, FAIL = 1, 2, 4
CHUNK8, CHUNK512, CHUNK8K = 1 << 3, 2 << 3, 3 << 3
FIX, GZ, SEED = 1 << 5, 1 << 6, 1 << 7
T = 1700000000


def field(v, n):
    """an n-byte header field: ints in octal, str/bytes as they are"""
    if isinstance(v, int):
        return b"%0*o\0" % (n - 1, v)
    if isinstance(v, str):
        v = v.encode()
    return v[:n].ljust(n, b"\0")


def hdr(name, type=b"0", size=0, mode=0o644, uid=0, gid=0, mtime=T,
        link="", magic=b"ustar\x0000", major=0, minor=0, prefix="",
        chksum=None):
    b = (field(name, 100) + field(mode, 8) + field(uid, 8) + field(gid, 8) +
         field(size, 12) + field(mtime, 12) + b" " * 8 + type +
         field(link, 100) + magic[:8].ljust(8, b"\0") + field("root", 32) +
         field("root", 32) + field(major, 8) + field(minor, 8) +
         field(prefix, 155) + b"\0" * 12)
    assert len(b) == 512
    s = sum(b) if chksum is None else chksum
    return b[:148] + b"%06o\0 " % s + b[156:]


def data(d):
    if isinstance(d, str):
        d = d.encode()
    return d + b"\0" * (-len(d) % 512)


def member(name, d=b"", **kw):
    d = d.encode() if isinstance(d, str) else d
    kw.setdefault("size", len(d))
    if kw.get("type") == b"5":
        kw.setdefault("mode", 0o755)
    return hdr(name, **kw) + data(d)


def paxrec(k, v):
    k = k.encode() if isinstance(k, str) else k
    v = v.encode() if isinstance(v, str) else v
    body = b" " + k + b"=" + v + b"\n"
    n = len(body) + 1
    while len(b"%d" % n) + len(body) != n:
        n += 1
    return b"%d" % n + body


def pax(recs, type=b"x", name="PaxHeaders/x"):
    d = b"".join(paxrec(k, v) for k, v in recs)
    return member(name, d, type=type)


END = b"\0" * 1024


def tarbytes(fmt, add):
    """a tarfile-made archive, cut after its end marker"""
    f = io.BytesIO()
    tf = tarfile.open(fileobj=f, mode="w", format=fmt)
    add(tf)
    end = tf.offset
    tf.close()
    return f.getvalue()[:end] + END


def ti(name, type=tarfile.REGTYPE, **kw):
    t = tarfile.TarInfo(name)
    t.type = type
    t.mtime = T
    t.uname = t.gname = "root"
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def gz(b, **kw):
    return gzip.compress(b, mtime=0, **kw)


def gzfull(b):
    """a gzip member with every header flag: FHCRC, FEXTRA, FNAME, FCOMMENT"""
    h = b"\x1f\x8b\x08\x1e" + struct.pack("<I", 0) + b"\x00\x03"
    h += struct.pack("<H", 6) + b"AB\x02\x00hi"
    h += b"seed.tar\0" + b"a comment\0"
    h += struct.pack("<H", zlib.crc32(h) & 0xffff)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return (h + c.compress(b) + c.flush() +
            struct.pack("<II", zlib.crc32(b), len(b) & 0xffffffff))


seeds = {}


def seed(name, ctl, b):
    assert len(b) + 1 < 20 << 10, name
    seeds[name] = bytes([ctl]) + b


# plain ustar: directories, files around the block size, a name split
# across prefix and name, setuid, an empty file
long180 = "p" * 60 + "/" + "q" * 60 + "/" + "r" * 58
ustar = (member("d/", type=b"5", mode=0o755) +
         member("d/f", "hello\n") +
         member("d/empty") +
         member("d/b512", b"x" * 512) +
         member("d/b513", b"y" * 513, mode=0o4755) +
         member(long180[121 + 1:], "split\n", prefix=long180[:121]) +
         member("./d/./g", "dots\n", mode=0o600, uid=1000, gid=1000) + END)
seed("ustar.tar", FIX, ustar)
seed("ustar-gz.tar", FIX | GZ | CHUNK8K, ustar)
seed("ustar-chunk8.tar", CHUNK8 | FIX | SEED, ustar)
seed("ustar-fail.tar", FAIL | CHUNK512 | FIX, ustar)


# GNU tar, gzip'd: L long names, K long link targets, both on a hardlink
def gnu(tf):
    n = "long/" + "n" * 150 + "/file"
    tf.addfile(ti("long/", tarfile.DIRTYPE, mode=0o755))
    tf.addfile(ti("long/" + "n" * 150 + "/", tarfile.DIRTYPE, mode=0o755))
    tf.addfile(ti(n, size=4), io.BytesIO(b"gnu\n"))
    tf.addfile(ti("long/sym", tarfile.SYMTYPE, linkname="t" * 130))
    tf.addfile(ti("long/" + "h" * 120, tarfile.LNKTYPE, linkname=n))


seed("gnu-longnames.tar.gz", 0, gz(tarbytes(tarfile.GNU_FORMAT, gnu)))
seed("gnu-longnames.tar", CHUNK512 | FIX | GZ, tarbytes(tarfile.GNU_FORMAT, gnu))

# pax: path, linkpath, size, uid, gid, fractional mtime, xattrs
seed("pax.tar", FIX,
     pax([("path", "pax/" + "z" * 200 + ".txt"), ("uid", "4242"),
          ("gid", "4343"), ("mtime", "1600000000.123456789"),
          ("SCHILY.xattr.user.note", "seed"),
          ("SCHILY.xattr.security.capability",
           b"\x01\x00\x00\x02\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")]) +
     member("short", "pax data\n") +
     pax([("linkpath", "pax/" + "z" * 200 + ".txt")]) +
     member("sym", type=b"2", link="ignored") +
     pax([("size", "3")]) + member("sized", "abc", size=0) +
     pax([("linkpath", "sym")]) + member("hard", type=b"1", link="x") +
     pax([("mtime", "-5"), ("comment", "any key"), ("SCHILY.xattr.trusted.t", "v")]) +
     member("neg", type=b"5", mode=0o700) + END)

# two pax headers before one member: the second adds to the first
seed("pax-twice.tar", FIX,
     pax([("path", "twice"), ("uid", "1")]) +
     pax([("mtime", "1600000000"), ("SCHILY.xattr.user.second", "2")]) +
     member("ignored", "two pax headers\n") + END)

# a pax global header: owner and time for every member after it
seed("pax-global.tar.gz", 0, gz(
     pax([("uid", "7"), ("gid", "8"), ("mtime", "1234567890.5"), ("path", "ignored")],
         type=b"g", name="pax_global_header") +
     member("g1", "one\n") + member("gdir/", type=b"5") +
     member("gdir/g2", "two\n") + END))

# base-256 numbers: owner, size, mtime; one negative (refused)
b256 = lambda v, n: b"\x80" + v.to_bytes(n - 1, "big")
seed("base256.tar", FIX,
     member("b256", "base256\n", uid=b256(3000000, 8), gid=b256(70000, 8),
            size=b256(8, 12), mtime=b256(T, 12)) +
     member("b256neg", "x", mtime=b"\xff" * 12) + END)
seed("base256-gnu.tar", FIX, tarbytes(tarfile.GNU_FORMAT, lambda tf: tf.addfile(
     ti("bigid", uid=4000000000, gid=3000000, size=2), io.BytesIO(b"ok"))))

# hardlinks and symlinks, including the ones that only look outward
seed("links.tar", CHUNK8 | FIX | GZ,
     member("t/", type=b"5") + member("t/file", "target\n") +
     member("t/hard", type=b"1", link="t/file") +
     member("hard2", type=b"1", link="/t/file") +
     member("rel", type=b"2", link="t/file") +
     member("abs", type=b"2", link="/etc/passwd") +
     member("up", type=b"2", link="../sentinel") +
     member("upup", type=b"2", link="../../sentinel") +
     member("dotdot", type=b"2", link="..") +
     member("dotdot/through", "via ..\n") +
     member("etc", type=b"2", link="/t") +
     member("etc/passwd", "in root\n") +
     member("up2", type=b"2", link="../../t") +
     member("up2/x", "stays in\n") +
     member("loop", type=b"2", link="loop") +
     member("symhard", type=b"1", link="up") +
     member("t/self", type=b"1", link="t/self") + END)

# members below dangling symlinks: root_mkdirs makes what the link names,
# inside the root, relative, absolute, through a chain and a ".." target
seed("dangling.tar", FIX | TWICE,
     member("d1", type=b"2", link="nowhere/deep") + member("d1/f", "rel\n") +
     member("d2", type=b"2", link="/abs/dir") + member("d2/sub/f", "abs\n") +
     member("x/d3", type=b"2", link="../../../../up") + member("x/d3/f", "up\n") +
     member("c1", type=b"2", link="c2") + member("c2", type=b"2", link="c3/dir") +
     member("c1/f", "chain\n") +
     member("self", type=b"2", link="self/a") + member("self/f", "loop\n") + END)

# devices and a FIFO
seed("devices.tar", FIX,
     member("dev/", type=b"5") +
     member("dev/null", type=b"3", mode=0o666, major=1, minor=3) +
     member("dev/loop0", type=b"4", mode=0o660, major=7, minor=0) +
     member("dev/fifo", type=b"6", mode=0o644) +
     member("dev/big", type=b"3", major=0xfff, minor=0xfffff) + END)

# an OCI layer with whiteouts, unpacked twice (plain, then as a layer over
# the first), and once as the only layer
wh = (member("d/", type=b"5") + member("d/.wh..wh..opq") +
      member("d/new", "new\n") + member("d/sub/", type=b"5") +
      member(".wh.gone") + member("gone/", type=b"5") +
      member("gone/f", "f\n") + member("keep", "keep\n") +
      member("x/.wh.missing") + member(".wh..wh.plnk.123") +
      member(".wh.keep") + END)
seed("whiteout.tar.gz", TWICE | LAYER, gz(wh))
seed("whiteout.tar", LAYER | CHUNK512 | FIX, wh)
# whiteouts of dotfiles (".wh..profile" hides ".profile"), at the top and
# through a symlink to the top
seed("whiteout-dot.tar", TWICE | LAYER | FIX,
     member(".profile", "lower\n") + member("home/", type=b"5") +
     member("home/.bashrc", "lower\n") + member("top", type=b"2", link="/") +
     member(".wh..profile") + member("home/.wh..bashrc") +
     member("top/.wh..x") + END)

# one tar split over three gzip members, then the zero padding some
# writers leave
mm = ustar
seed("multimember.tar.gz", 0,
     gz(mm[:700]) + gz(mm[700:2000]) + gz(mm[2000:]) + b"\0" * 32)
seed("gzip-flags.tar.gz", CHUNK8, gzfull(member("flags", "all header flags\n") + END))

# almost nothing: no stream, only the end marker, only the root
seed("empty", 0, b"")
seed("endmarker.tar", 0, END)
seed("root.tar.gz", TWICE, gz(member("./", type=b"5", mode=0o700, mtime=1) + END))

# old headers: v7 (no magic, directory by its slash), old GNU magic
seed("v7-oldgnu.tar", FIX,
     member("v7dir/", type=b"\0", magic=b"") +
     member("v7dir/file", "v7\n", type=b"\0", magic=b"") +
     member("oldgnu", "old gnu\n", magic=b"ustar  \0") +
     member("contig", "type 7\n", type=b"7") +
     member("label", type=b"V") + member("unknown", "Z type\n", type=b"Z") + END)

# members replacing each other: a file by a directory, a tree by a file,
# a symlink by a file; unpacked twice, so each meets the first pass too
seed("replace.tar", TWICE | FIX,
     member("a", "file\n") + member("a/", type=b"5") +
     member("a/in", "in\n") + member("a", "file again\n") +
     member("b", type=b"2", link="a") + member("b", "not through\n") +
     member("c/", type=b"5") + member("c/d/", type=b"5") +
     member("c", type=b"2", link="/") + END)

# what must be refused, for its tokens: a name and a hardlink above root
seed("escape.tar", 0,
     member("ok", "ok\n") + member("../../escape", "no\n") + END)
seed("escape-link.tar", FIX | GZ, member("h", type=b"1", link="a/../../sentinel") + END)

# a deep path through pax: four hundred directories to make and remove
seed("deep.tar.gz", 0, gz(pax([("path", "a/" * 400 + "f")]) + member("x", "deep\n") + END))

out = sys.argv[1] if len(sys.argv) > 1 else "test/fuzz/seeds"
os.makedirs(out, exist_ok=True)
for name, b in sorted(seeds.items()):
    with open(os.path.join(out, name), "wb") as f:
        f.write(b)
