#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/bench/http.sh PIECES: download over loopback HTTPS from nginx with
# `PIECES fetch` and with curl, in the same run, interleaved:
#   1. a 200 MiB file of random bytes to /dev/null (plain HTTP too, as the
#      floor without TLS);
#   2. the Debian minbase tarball the untar bench builds (~90 MB gzip),
#      digest checked on the way: `PIECES import URL NAME sha256:HEX`
#      against `curl URL | tee >(sha256sum) | tar -xz`, each unpacking into
#      a fresh ext4 and syncing it (pieces commits with syncfs); and
#      pieces without the digest, which keeps no blob in its cache;
#   3. SHA-256 of the 200 MiB file: SHA-NI, BearSSL's portable code,
#      sha256sum.
# It prints medians of wall time and CPU (user+sys) and the ratios, and
# never judges them: exit 0 unless the harness broke.  Needs root (apt,
# loop mounts).  ROUNDS=n sets the rounds.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
PIECES=${1:-./pieces}
ROUNDS=${ROUNDS:-5}
case $PIECES in /*) ;; */*) PIECES=$PWD/$PIECES ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench: ROUNDS must be a positive number" >&2; exit 1 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (apt, loop mounts)" >&2; exit 1; }
[ -x "$PIECES" ] || { echo "bench: $PIECES is missing" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$top/build/bench/bookworm-minbase.tar.gz

missing=
for p in nginx:nginx curl:curl openssl:openssl mkfs.ext4:e2fsprogs bash:bash; do
	command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	echo "bench: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq $missing >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } ||
		{ echo "bench: apt-get install$missing failed" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-httpbench.XXXXXX") || exit 1
www=$work/www mnt=$work/mnt img=$work/fs.img res=$work/results
mkdir "$www" "$mnt" && : >"$res" || exit 1
# nginx's workers run unprivileged: they must reach the files
chmod 755 "$work" "$www" || exit 1
cleanup() {
	[ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
	if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
	losetup -j "$img" 2>/dev/null | while IFS=: read -r dev _; do losetup -d "$dev"; done
	mountpoint -q "$mnt" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

# A CA and a certificate for localhost; nginx on two free high ports.
(
	cd "$work" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -days 30 -subj "/CN=bench CA" &&
	openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=localhost &&
	printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >leaf.ext &&
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
		-extfile leaf.ext -out leaf.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; exit 1; }
port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000 + $1))
}
tls=$(port 0) plain=$(port 1)
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $work/tmp;
	proxy_temp_path $work/tmp;
	fastcgi_temp_path $work/tmp;
	uwsgi_temp_path $work/tmp;
	scgi_temp_path $work/tmp;
	server {
		listen 127.0.0.1:$tls ssl;
		listen 127.0.0.1:$plain;
		ssl_certificate $work/leaf.pem;
		ssl_certificate_key $work/leaf.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $www;
	}
}
EOF
head -c 209715200 /dev/urandom >"$www/big" || exit 1
[ -s "$tarball" ] && ln "$tarball" "$www/rootfs.tar.gz" 2>/dev/null || cp "$tarball" "$www/rootfs.tar.gz" 2>/dev/null
nginx -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.start" ||
	{ cat "$work/nginx.start" "$work/nginx.err" >&2; exit 1; }
i=0
while [ ! -s "$work/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
export SSL_CERT_FILE=$work/ca.pem
B=https://localhost:$tls
curl -fsS --cacert "$work/ca.pem" -o /dev/null "$B/big" || { echo "bench: nginx does not serve" >&2; exit 1; }

# run KEY CMD...: time CMD, append "KEY wall cpu" to $res
run() {
	key=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/err"
	st=$?
	[ "$st" = 0 ] || { echo "bench: $key exited $st: $(head -n 1 "$work/err")" >&2; return 1; }
	awk -v k="$key" '{ printf "%s %.3f %.3f\n", k, $1, $2 + $3 }' "$work/time" >>"$res"
}
# scratch: a fresh ext4 for one unpack (see untar.sh: inodes freed minutes
# ago make ext4 slow)
scratch() {
	truncate -s 2G "$img" && mkfs.ext4 -F -q -O ^has_journal -E lazy_itable_init=0 "$img" &&
		mount -o loop "$img" "$mnt" && mkdir "$mnt/out"
}
unscratch() {
	umount "$mnt" && rm -f "$img"
}

sum=
[ -s "$www/rootfs.tar.gz" ] && sum=$(sha256sum <"$www/rootfs.tar.gz" | cut -d' ' -f1)
[ -n "$sum" ] || echo "bench: $tarball is missing (test/bench/untar.sh builds it): no digest rounds"
echo "nginx $(nginx -v 2>&1 | sed 's,.*/,,'); $(curl --version | head -n 1 | cut -d' ' -f1-2,5); $ROUNDS rounds"
broke=
r=1
while [ "$r" -le "$ROUNDS" ]; do
	before=$(wc -l <"$res")
	cat "$www/big" "$www/rootfs.tar.gz" >/dev/null 2>&1
	run pieces "$PIECES" fetch -q "$B/big" || broke=1
	run curl curl -fsS --cacert "$work/ca.pem" -o /dev/null "$B/big" || broke=1
	run curl12 curl -fsS --tlsv1.2 --tls-max 1.2 --cacert "$work/ca.pem" -o /dev/null "$B/big" || broke=1
	run pieces-http "$PIECES" fetch -q "http://localhost:$plain/big" || broke=1
	run curl-http curl -fsS -o /dev/null "http://localhost:$plain/big" || broke=1
	if [ -n "$sum" ]; then
		scratch || exit 1
		run pieces-import "$PIECES" -r "$mnt/out" import -q "$B/rootfs.tar.gz" img "sha256:$sum" || broke=1
		unscratch || exit 1
		scratch || exit 1
		run pieces-nodigest "$PIECES" -r "$mnt/out" import -q "$B/rootfs.tar.gz" img || broke=1
		unscratch || exit 1
		scratch || exit 1
		run curl-tar bash -c 'set -o pipefail; curl -fsS --cacert "$1" "$2" |
			tee >(sha256sum >"$3/sum") | tar -xzf - -C "$3/out" || exit 1
			wait $! && sync -f "$3/out" && grep -q "^$4 " "$3/sum"' \
			- "$work/ca.pem" "$B/rootfs.tar.gz" "$mnt" "$sum" || broke=1
		unscratch || exit 1
	fi
	run sha256-ni sh -c '"$1" sha256 <"$2"' - "$PIECES" "$www/big" || broke=1
	run sha256-portable env PIECES_NO_SHANI=1 sh -c '"$1" sha256 <"$2"' - "$PIECES" "$www/big" || broke=1
	run sha256sum sh -c 'sha256sum <"$1"' - "$www/big" || broke=1
	echo "round $r: $(awk -v n="$before" 'NR > n { printf "%s %ss  ", $1, $2 }' "$res")"
	r=$((r + 1))
done

median() {
	awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$res" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# row NAME KEY BASEKEY MB: medians of KEY, and its ratios to BASEKEY
row() {
	w=$(median "$2" 2) c=$(median "$2" 3) bw=$(median "$3" 2) bc=$(median "$3" 3)
	[ -n "$w" ] || return 0
	awk -v n="$1" -v w="$w" -v c="$c" -v bw="$bw" -v bc="$bc" -v mb="$4" 'BEGIN {
		printf "%-34s %7.3f %7.3f %8.0f %9.2f %8.2f\n", n, w, c, mb / w, w / bw, c / bc }'
}
printf '\n%-34s %7s %7s %8s %9s %8s\n' "200 MiB of random bytes" 'wall s' 'cpu s' 'MB/s' 'wall/curl' 'cpu/curl'
mb=209.7152
row "pieces fetch https (TLS 1.2)" pieces curl $mb
row "curl https (TLS 1.3)" curl curl $mb
row "curl https --tls-max 1.2" curl12 curl $mb
row "pieces fetch http" pieces-http curl-http $mb
row "curl http" curl-http curl-http $mb
if [ -n "$sum" ]; then
	mb=$(($(wc -c <"$www/rootfs.tar.gz") / 10000))
	mb=$(awk -v m=$mb 'BEGIN { print m / 100 }')
	printf '\n%-34s %7s %7s %8s %9s %8s\n' "minbase tarball, digest checked" 'wall s' 'cpu s' 'MB/s' 'wall/curl' 'cpu/curl'
	row "pieces import URL NAME sha256:" pieces-import curl-tar "$mb"
	row "pieces import URL NAME (no cache)" pieces-nodigest curl-tar "$mb"
	row "curl | tee >(sha256sum) | tar -xz" curl-tar curl-tar "$mb"
fi
printf '\n%-34s %7s %7s %8s %9s %8s\n' "SHA-256 of 200 MiB" 'wall s' 'cpu s' 'MB/s' 'wall/ni' 'cpu/ni'
mb=209.7152
row "pieces sha256 (SHA-NI)" sha256-ni sha256-ni $mb
row "pieces sha256 (portable)" sha256-portable sha256-ni $mb
row "sha256sum" sha256sum sha256-ni $mb
echo "(cpu is user+sys of the tool and its children; the import rows include"
echo " unpacking into a fresh ext4 and syncing it)"
[ -z "$broke" ]
