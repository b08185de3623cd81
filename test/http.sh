#!/bin/sh
# See LICENSE file for copyright and license details.
#
# Fetching over HTTPS: import URL and fetch against loopback servers this
# test starts (python3's ssl) with a CA and certificates it makes (openssl):
# verification failures, redirects, framings, truncation and Range resume,
# HTTP errors, timeouts, oversized headers, IPv6, a CONNECT proxy,
# credentials, the mirror list, the blob cache; and SHA-256 on SHA-NI
# against BearSSL's portable code.
. "$(dirname "$0")/lib.sh"

SUM=$ALPINESUM
S=$T/store

# SHA-256 first: it needs nothing but the binary
head -c 300000 /dev/urandom >"$T/rand"
bad=
for n in 0 1 3 55 56 63 64 65 119 120 127 128 129 1000 4095 4096 65536 65599 300000; do
	want=$(head -c $n "$T/rand" | sha256sum | cut -d' ' -f1)
	ni=$(head -c $n "$T/rand" | "$PIECES" sha256)
	br=$(head -c $n "$T/rand" | PIECES_NO_SHANI=1 "$PIECES" sha256)
	[ "$ni" = "$want" ] && [ "$br" = "$want" ] || bad="$bad $n"
done
is "sha256 matches sha256sum at 19 lengths, both implementations" "$bad" ""
is "PIECES_NO_SHANI forces the portable code" "$(PIECES_NO_SHANI=1 "$PIECES" sha256 -i)" portable
if grep -q '^flags.* sha_ni' /proc/cpuinfo; then
	is "this CPU has SHA-NI: it is used" "$("$PIECES" sha256 -i)" sha-ni
else
	skip "SHA-NI chosen" "this CPU lacks the SHA extensions"
fi

# ---- the response parser, through `pieces fetch -` ----
# resp NAME TEXT: a response in $T/NAME, printf(1) escapes in TEXT
resp() {
	printf "$2" >"$T/$1"
}
parse() {
	"$PIECES" fetch - <"$T/$1"
}
resp len 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA'
ok "Content-Length" parse len
is "delimits the body" "$(cat "$T/out")" hello
resp chunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\nEXTRA'
ok "chunked, with extensions and trailers" parse chunk
is "delimits the body" "$(cat "$T/out")" hello
resp lf 'HTTP/1.0 200 OK\nServer: x\n\nhello'
ok "bare LF line ends and a close-delimited body" parse lf
is "the body is all the rest" "$(cat "$T/out")" hello
resp interim 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
ok "a 100 Continue before the response" parse interim
resp shortlen 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello'
fails "a body shorter than Content-Length" 1 "body cut short at 5 of 50 bytes" parse shortlen
resp shortchunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'
fails "chunks without the last one" 1 "body cut short after 5 bytes" parse shortchunk
resp badchunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
fails "a bad chunk size" 1 "bad chunk size line 'zz'" parse badchunk
resp hugechunk 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n'
fails "a chunk size past 64 bits" 1 "too large" parse hugechunk
resp noend 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n'
fails "chunk data longer than its size" 1 "no line end after chunk data" parse noend
resp dup 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'
fails "two different Content-Lengths" 1 "bad Content-Length header" parse dup
resp neg 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'
fails "a negative Content-Length" 1 "bad Content-Length header" parse neg
resp fold 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n'
fails "a folded header" 1 "malformed response" parse fold
resp te 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'
fails "a transfer coding besides chunked" 1 "transfer coding 'gzip, chunked' not supported" parse te
resp status 'HTTP/2 200 OK\r\n\r\n'
fails "a status line that is not HTTP/1" 1 "malformed response: 'HTTP/2 200 OK'" parse status
resp nul 'HTTP/1.1 200 OK\r\nX-A: a\000b\r\n\r\n'
fails "a NUL in a header" 1 "malformed response" parse nul
head -c 40000 /dev/zero | tr '\0' x | sed 's/^/HTTP\/1.1 200 OK\r\nX-Big: /' >"$T/big"
fails "a head past HDRMAX" 1 "response headers larger than HDRMAX" parse big
resp cut 'HTTP/1.1 200 OK\r\nContent-Le'
fails "a head cut short" 1 "connection closed before the end of the response headers" parse cut
i=0
: >"$T/many"
while [ $i -lt 12 ]; do printf 'HTTP/1.1 100 Continue\r\n\r\n' >>"$T/many"; i=$((i + 1)); done
fails "endless interim responses" 1 "more than 10 interim" parse many

for tool in openssl python3; do
	if ! command -v $tool >/dev/null; then
		skip "https tests" "$tool is missing"
		finish
	fi
done

# ---- a CA and certificates ----
C=$T/ca
mkdir -p "$C/db"
: >"$C/db/index"
cat >"$C/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $C/db
database = $C/db/index
new_certs_dir = $C/db
serial = $C/db/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
EOF
echo 01 >"$C/db/serial"
ssl() {
	openssl "$@" >>"$C/log" 2>&1
}
# mkcert NAME KEYTYPE SAN START END: a leaf signed by the CA
mkcert() {
	SAN=$3 ssl req -new -newkey "$2" -nodes -keyout "$C/$1.key" -out "$C/$1.csr" \
		-subj "/CN=$1" &&
		SAN=$3 ssl ca -batch -config "$C/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca.key" \
			-extensions leaf -startdate "$4" -enddate "$5" -in "$C/$1.csr" \
			-out "$C/$1.pem" -notext
}
ec=ec:$C/p256.pem
ok "make a CA" ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$C/ca.key" -out "$C/ca.pem" -days 3650 -subj "/CN=pieces test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ssl ecparam -name prime256v1 -out "$C/p256.pem"
ok "and another" ssl req -x509 -newkey "$ec" -nodes -keyout "$C/other.key" \
	-out "$C/other.pem" -days 3650 -subj "/CN=some other CA"
now=$(date -u +%Y%m%d%H%M%SZ)
ok "a good RSA certificate" mkcert good rsa:2048 "DNS:localhost,IP:127.0.0.1,IP:::1" \
	20200101000000Z 20991231000000Z
ok "a good ECDSA certificate" mkcert ecgood "$ec" "DNS:localhost,IP:127.0.0.1,IP:::1" \
	20200101000000Z 20991231000000Z
ok "one for another host" mkcert wrong "$ec" "DNS:wrong.example,IP:10.9.9.9" \
	20200101000000Z 20991231000000Z
ok "a wildcard one" mkcert wild "$ec" "DNS:*.wild.test" 20200101000000Z 20991231000000Z
ok "an expired one" mkcert expired "$ec" "DNS:localhost" 20200101000000Z 20210101000000Z
ok "one not valid yet" mkcert early "$ec" "DNS:localhost" 20900101000000Z 20991231000000Z
[ "$now" ] || exit 1
export SSL_CERT_FILE="$C/ca.pem"
unset HTTPS_PROXY https_proxy NO_PROXY no_proxy PIECES_MIRRORS
PIECES_CONFIG=$T/none
: >"$PIECES_CONFIG"
PIECES_TIMEOUT=5
export PIECES_CONFIG PIECES_TIMEOUT

# ---- the servers ----
W=$T/www
mkdir -p "$W"
cp "$ALPINE" "$W/good.tar.gz"
cat >"$T/server.py" <<'EOF'
import base64, os, socket, socketserver, ssl, sys, threading, time
cert, key, portfile, log, www = sys.argv[1:6]
lock = threading.Lock()
cuts = {}

def note(line):
    with lock, open(log, 'a') as f:
        f.write(line + '\n')

class H(socketserver.StreamRequestHandler):
    def send(self, status, headers, body=b''):
        h = 'HTTP/1.1 %s\r\n' % status + ''.join('%s: %s\r\n' % kv for kv in headers)
        self.wfile.write(h.encode() + b'\r\n' + body)

    def handle(self):
        head = []
        while True:
            l = self.rfile.readline(65536)
            if not l or l in (b'\r\n', b'\n'):
                break
            head.append(l.decode('latin-1').rstrip('\r\n'))
        if not head:
            return
        path = head[0].split()[1]
        hdr = {k.lower(): v.strip() for k, v in (x.split(':', 1) for x in head[1:])}
        note('%s %s auth=%s range=%s if-range=%s' % (head[0].split()[0], path,
             hdr.get('authorization', '-'), hdr.get('range', '-'), hdr.get('if-range', '-')))
        data = open(os.path.join(www, 'good.tar.gz'), 'rb').read()
        plain = [('Content-Type', 'application/gzip'), ('Connection', 'close')]
        p = path.split('?')[0]
        if p in ('/good.tar.gz', '/mirror/good.tar.gz'):
            self.send('200 OK', plain + [('Content-Length', len(data))], data)
        elif p == '/chunked.tar.gz':
            self.send('200 OK', plain + [('Transfer-Encoding', 'chunked')])
            for i in range(0, len(data), 70000):
                c = data[i:i + 70000]
                self.wfile.write(b'%x;ext=1\r\n' % len(c) + c + b'\r\n')
            self.wfile.write(b'0\r\nX-Trailer: yes\r\n\r\n')
        elif p == '/close.tar.gz':
            self.send('200 OK', plain, data)
            self.wfile.flush()
            try:
                self.connection.unwrap()
            except Exception:
                pass
        elif p == '/cut.tar.gz':
            self.send('200 OK', plain + [('Content-Length', len(data))], data[:len(data) // 2])
        elif p == '/cutrange.tar.gz':
            r = hdr.get('range')
            if r:
                start = int(r.split('=')[1].rstrip('-'))
                part = data[start:]
                self.send('206 Partial Content', plain + [('Content-Length', len(part)),
                          ('ETag', '"v1"'), ('Accept-Ranges', 'bytes'),
                          ('Content-Range', 'bytes %d-%d/%d' % (start, len(data) - 1, len(data)))],
                          part[:len(part) // 2] if start < len(data) // 3 else part)
            else:
                self.send('200 OK', plain + [('Content-Length', len(data)), ('ETag', '"v1"'),
                          ('Accept-Ranges', 'bytes')], data[:len(data) // 4])
        elif p.startswith('/redir/'):
            n = int(p.split('/')[2])
            self.send('302 Found', plain + [('Location', str(n - 1) if n > 1 else '/good.tar.gz'),
                      ('Content-Length', 0)])
        elif p == '/loop':
            self.send('301 Moved Permanently', plain + [('Location', '/loop'), ('Content-Length', 0)])
        elif p == '/tohttp':
            self.send('302 Found', plain + [('Location', 'http://localhost:1/good.tar.gz'),
                      ('Content-Length', 0)])
        elif p == '/elsewhere':
            port = open(portfile).read().strip()
            self.send('307 Temporary Redirect', plain + [('Content-Length', 0),
                      ('Location', 'https://127.0.0.1:%s/auth' % port)])
        elif p == '/auth':
            if hdr.get('authorization') == 'Basic ' + base64.b64encode(b'joe:s3cret:x').decode():
                self.send('200 OK', plain + [('Content-Length', len(data))], data)
            else:
                self.send('401 Unauthorized', plain + [('Content-Length', 0)])
        elif p == '/500':
            self.send('500 Internal Server Error', plain + [('Content-Length', 0)])
        elif p == '/stall':
            self.send('200 OK', plain + [('Content-Length', len(data))], data[:1000])
            self.wfile.flush()
            time.sleep(30)
        elif p == '/trickle':
            self.send('200 OK', plain + [('Content-Length', len(data))], data[:10])
            for i in range(100):
                self.wfile.write(data[10 + i:11 + i])
                self.wfile.flush()
                time.sleep(0.2)
        elif p == '/bighdr':
            self.send('200 OK', plain + [('X-Big%d' % i, 'x' * 1000) for i in range(40)])
        else:
            self.send('404 Not Found', plain + [('Content-Length', 0)])

class S(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    address_family = socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET
    def __init__(self):
        try:
            super().__init__(('::', 0), H, bind_and_activate=True)
        except OSError:
            self.address_family = socket.AF_INET
            super().__init__(('127.0.0.1', 0), H, bind_and_activate=True)
    def get_request(self):
        sock, addr = self.socket.accept()
        if cert != '-':
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            sock.settimeout(10)
            try:
                sock = ctx.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                sock.close()
                raise OSError('handshake failed')
            sock.settimeout(None)
        return sock, addr
    def handle_error(self, request, client_address):
        pass

s = S()
with open(portfile + '.tmp', 'w') as f:
    f.write('%d\n' % s.server_address[1])
os.rename(portfile + '.tmp', portfile)
s.serve_forever()
EOF
cat >"$T/proxy.py" <<'EOF'
import socket, sys, threading
portfile, log = sys.argv[1:3]

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def serve(c):
    head = b''
    while b'\r\n\r\n' not in head:
        d = c.recv(1)
        if not d:
            return c.close()
        head += d
    target = head.split()[1].decode()
    with open(log, 'a') as f:
        f.write('%s %s\n' % (head.split()[0].decode(), target))
    if target.startswith('forbidden'):
        c.sendall(b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
        return c.close()
    host, port = target.rsplit(':', 1)
    # names under .test (RFC 2606) are this test's: they are all loopback
    if host.endswith('.test'):
        host = '127.0.0.1'
    u = socket.create_connection((host.strip('[]'), int(port)))
    c.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)

l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', 0))
l.listen(16)
with open(portfile + '.tmp', 'w') as f:
    f.write('%d\n' % l.getsockname()[1])
import os
os.rename(portfile + '.tmp', portfile)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# start NAME CERT: a server on a free port, its port in $T/NAME.port
start() {
	python3 "$T/server.py" "$C/$2.pem" "$C/$2.key" "$T/$1.port" "$T/$1.log" "$W" \
		2>"$T/$1.err" &
	atexit "kill $!"
}
start good good
start ec ecgood
start wrong wrong
start expired expired
start wild wild
start early early
python3 "$T/server.py" - - "$T/plain.port" "$T/plain.log" "$W" 2>"$T/plain.err" &
atexit "kill $!"
python3 "$T/proxy.py" "$T/proxy.port" "$T/proxy.log" 2>"$T/proxy.err" &
atexit "kill $!"
i=0
for s in good ec wrong wild expired early plain proxy; do
	while [ ! -s "$T/$s.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
done
for s in good ec wrong wild expired early plain proxy; do
	eval "$s=\$(cat '$T/$s.port' 2>/dev/null)"
done
if [ -z "$proxy" ] || [ -z "$good" ] || [ -z "$plain" ]; then
	skip "https tests" "the python3 servers did not start: $(cat "$T"/*.err | head -n 3)"
	finish
fi
G=https://localhost:$good
# same DESC: pass if what the last command printed is the fixture
same() {
	cp "$T/out" "$T/body" && cp "$T/err" "$T/body.err"
	ok "$1" cmp "$T/body" "$ALPINE"
}
hits() {
	grep -c "GET $1 " "$T/good.log"
}

# ---- downloads ----
ok "fetch a file over https" p fetch "$G/good.tar.gz"
same "the bytes are the file's"
is "no progress line off a terminal" "$(cat "$T/body.err")" ""
ok "import a URL" p import "$G/good.tar.gz" alpine "sha256:$SUM"
is "its tree is there" "$(cat "$S/images/alpine/rootfs/etc/alpine-release")" "3.18.9"
is "the digest is recorded" "$(sed -n 's/^digest //p' "$S/images/alpine/meta")" "sha256:$SUM"
is "the URL is the source" "$(sed -n 's/^source //p' "$S/images/alpine/meta")" "$G/good.tar.gz"
ok "import a URL without a digest" p import "$G/good.tar.gz" nodigest
is "the same tree" "$(cd "$S/images" && find alpine/rootfs | sed 's,^alpine,,' | sort | cksum)" \
	"$(cd "$S/images" && find nodigest/rootfs | sed 's,^nodigest,,' | sort | cksum)"
ok "an ECDSA server" p fetch "https://localhost:$ec/good.tar.gz"
ok "a chunked body" p fetch "$G/chunked.tar.gz"
same "is the file"
ok "a body ended by close_notify" p fetch "$G/close.tar.gz"
same "is the file"
ok "plain http" p fetch "http://localhost:$plain/chunked.tar.gz"
same "is the file"
ok "-c names the CA file" env -u SSL_CERT_FILE "$PIECES" fetch -c "$C/ca.pem" "$G/good.tar.gz"
printf 'cafile %s\n' "$C/ca.pem" >"$T/config"
ok "so does the config" env -u SSL_CERT_FILE PIECES_CONFIG="$T/config" \
	"$PIECES" fetch "$G/good.tar.gz"

# ---- certificates refused ----
fails "a CA we do not trust" 1 "localhost: certificate not trusted" \
	env SSL_CERT_FILE="$C/other.pem" "$PIECES" fetch "$G/good.tar.gz"
fails "the system bundle does not know it either" 1 "certificate not trusted" \
	env -u SSL_CERT_FILE "$PIECES" fetch "$G/good.tar.gz"
fails "a certificate for another host" 1 "localhost: certificate is not for this host name" \
	p fetch "https://localhost:$wrong/good.tar.gz"
fails "nor for another IP" 1 "127.0.0.1: certificate is not for this host name" \
	p fetch "https://127.0.0.1:$wrong/good.tar.gz"
ok "an IP address named in the certificate" p fetch "https://127.0.0.1:$good/good.tar.gz"
fails "an expired certificate" 1 "certificate expired on 2021-01-01; the clock says $(date -u +%Y-%m-%d)" \
	p fetch "https://localhost:$expired/good.tar.gz"
fails "a certificate not valid yet" 1 "certificate is not valid before 2090-01-01" \
	p fetch "https://localhost:$early/good.tar.gz"
fails "a CA file that is not one" 1 "no usable CA certificates" \
	env SSL_CERT_FILE=/etc/hostname "$PIECES" fetch "$G/good.tar.gz"
{ cat "$C/ca.pem"; printf -- '-----BEGIN CERTIFICATE-----\n!!\n'; } >"$T/badpem"
fails "a CA file with broken PEM" 1 "badpem: bad PEM" \
	env SSL_CERT_FILE="$T/badpem" "$PIECES" fetch "$G/good.tar.gz"

# ---- redirects and HTTP errors ----
ok "a chain of 10 redirects" p fetch "$G/redir/10"
same "ends at the file"
fails "11 are too many" 1 "more than 10 redirects" p fetch "$G/redir/11"
fails "a redirect loop" 1 "/loop: more than 10 redirects" p fetch "$G/loop"
fails "https to http is refused" 1 "refusing the redirect from https to http://localhost:1/" \
	p fetch "$G/tohttp"
fails "404" 1 "$G/nothing: 404 Not Found" p fetch "$G/nothing"
fails "500" 1 "$G/500: 500 Internal Server Error" p fetch "$G/500"
fails "import says it too" 1 "404 Not Found" p import "$G/nothing" x
fails "a refused connection" 1 "connect: Connection refused" p fetch "https://127.0.0.1:1/x"
fails "a host that does not resolve: what to do offline" 1 \
	"nosuch.invalid: .*; offline? 'pieces import FILE NAME' or a mirror" \
	timeout 60 "$PIECES" fetch "https://nosuch.invalid/x"
fails "a bad URL" 1 "bad URL" p fetch "https://local host/x"

# ---- broken bodies ----
n=$(wc -c <"$ALPINE")
fails "a body cut short" 1 "body cut short at $((n / 2)) of $n bytes" p fetch "$G/cut.tar.gz"
fails "import of a cut body" 1 "body cut short" p import "$G/cut.tar.gz" cut
ok "a cut body resumed with Range" p fetch "$G/cutrange.tar.gz"
same "is the file"
is "after two resumptions" "$(grep -c resuming "$T/body.err")" 2
is "with Range and If-Range" "$(grep -c 'range=bytes=[0-9]*- if-range="v1"' "$T/good.log")" 2
fails "a server that stalls" 1 "body cut short at 1000 of $n bytes: no data for 1 s" \
	env PIECES_TIMEOUT=1 "$PIECES" fetch "$G/stall"
fails "a server that trickles a byte now and then" 1 "under 1024 bytes in 2 s" \
	env PIECES_TIMEOUT=1 "$PIECES" fetch "$G/trickle"
fails "oversized headers" 1 "response headers larger than HDRMAX" p fetch "$G/bighdr"

# ---- IPv6 ----
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.connect(("::1", '"$ec"'))' 2>/dev/null; then
	ok "IPv6 loopback" p fetch "https://[::1]:$ec/good.tar.gz"
	same "is the file"
else
	skip "IPv6 loopback" "no ::1 here"
fi

# ---- proxies ----
ok "through a CONNECT proxy" env HTTPS_PROXY="http://127.0.0.1:$proxy" \
	"$PIECES" fetch "$G/good.tar.gz"
same "is the file"
is "the proxy saw it" "$(cat "$T/proxy.log")" "CONNECT localhost:$good"
ok "https_proxy too, NO_PROXY exempts" env https_proxy="127.0.0.1:$proxy" NO_PROXY=other,.localhost \
	"$PIECES" fetch "$G/good.tar.gz"
is "the proxy did not see it" "$(wc -l <"$T/proxy.log")" 1
ok "a wildcard certificate, through the proxy" env HTTPS_PROXY="http://127.0.0.1:$proxy" \
	"$PIECES" fetch "https://a.wild.test:$wild/good.tar.gz"
fails "covers one label only" 1 "a.b.wild.test: certificate is not for this host name" \
	env HTTPS_PROXY="http://127.0.0.1:$proxy" "$PIECES" fetch "https://a.b.wild.test:$wild/good.tar.gz"
fails "a proxy that is not there" 1 "proxy 127.0.0.1 port 1: connect: Connection refused" \
	env HTTPS_PROXY=http://127.0.0.1:1 NO_PROXY=other.example:443 "$PIECES" fetch "$G/good.tar.gz"
fails "a proxy that refuses" 1 "proxy 127.0.0.1 port $proxy: CONNECT: 403 Forbidden" \
	env HTTPS_PROXY="http://127.0.0.1:$proxy" "$PIECES" fetch "https://forbidden:1/x"

# ---- credentials ----
ok "credentials in the URL" p fetch "https://joe:s3cret%3Ax@localhost:$good/auth"
ok "are sent" grep -q "GET /auth auth=Basic" "$T/good.log"
printf 'auth localhost:%s joe:s3cret:x\n' "$good" >"$T/config"
ok "credentials in the config" env PIECES_CONFIG="$T/config" "$PIECES" fetch "$G/auth"
: >"$T/good.log"
fails "not sent to another host after a redirect" 1 "401 Unauthorized" \
	p fetch "https://joe:s3cret%3Ax@localhost:$good/elsewhere"
is "the second host saw none" "$(grep -c 'auth=-' "$T/good.log")" 1
fails "nor is the password printed" 1 "https://127.0.0.1:$good/auth: 401" \
	p fetch "https://joe:s3cret%3Ax@localhost:$good/elsewhere"
! grep -q s3cret "$T/err"
is "no password in the message" $? 0
fails "no credentials go over plain http" 1 \
	"http://192.0.2.1/x: not sending credentials over plain http" p fetch "http://joe:pw@192.0.2.1/x"
printf 'auth 192.0.2.1 joe:pw\n' >"$T/config"
fails "not even the config's (and nothing is dialled)" 1 "not sending credentials over plain http" \
	env PIECES_CONFIG="$T/config" PIECES_TIMEOUT=1 "$PIECES" fetch "http://192.0.2.1/x"

# ---- the mirror list ----
ok "PIECES_MIRRORS rewrites a URL" env PIECES_MIRRORS="https://dl-cdn.example.invalid=$G/mirror" \
	"$PIECES" -r "$S" import -q https://dl-cdn.example.invalid/good.tar.gz mirrored
is "the source is the URL as given" "$(sed -n 's/^source //p' "$S/images/mirrored/meta")" \
	"https://dl-cdn.example.invalid/good.tar.gz"
printf '# a comment\nmirror https://example.invalid/a %s/mirror\n' "$G" >"$T/config"
ok "so does the config file" env PIECES_CONFIG="$T/config" "$PIECES" fetch https://example.invalid/a/good.tar.gz
same "is the file"
printf 'mirror https://example.invalid/\n' >"$T/config"
fails "a bad config line" 1 "config:1: want 'mirror FROM TO'" \
	env PIECES_CONFIG="$T/config" "$PIECES" fetch https://example.invalid/a/good.tar.gz

# ---- the cache and digests ----
: >"$T/good.log"
ok "import with the digest again" p import "$G/good.tar.gz" again "sha256:$SUM"
is "downloads nothing" "$(hits /good.tar.gz)" 0
is "is the same tree" "$(cat "$S/images/again/rootfs/etc/alpine-release")" "3.18.9"
ok "the blob is in the cache" test -f "$S/blobs/sha256/$SUM"
ok "a new store" "$PIECES" -r "$T/s2" import "$G/good.tar.gz" one
bad=sha256:$(printf '%064d' 0)
fails "a digest mismatch" 1 "sha256 mismatch: got sha256:$SUM, want $bad" \
	"$PIECES" -r "$T/s2" import "$G/good.tar.gz" two "$bad"
is "stores no image" "$(ls "$T/s2/images")" "one"
is "no blob" "$(ls -A "$T/s2/blobs/sha256" 2>/dev/null)" ""
is "no work tree" "$(ls -A "$T/s2/tmp")" ""
printf 'garbage' >"$S/blobs/sha256/$SUM"
fails "a corrupt cached blob" 1 "removed from the cache" p import "$G/good.tar.gz" bad "sha256:$SUM"
ok "the next import downloads it again" p import "$G/good.tar.gz" good2 "sha256:$SUM"
is "and caches it" "$(sha256sum <"$S/blobs/sha256/$SUM" | cut -d' ' -f1)" "$SUM"

# ---- the progress line, on a terminal ----
if command -v script >/dev/null; then
	script -qec "'$PIECES' fetch '$G/good.tar.gz' >/dev/null" /dev/null >"$T/tty" 2>&1
	ok "a progress line on a terminal" grep -q "localhost: .* of .*100%" "$T/tty"
	script -qec "'$PIECES' fetch -q '$G/good.tar.gz' >/dev/null" /dev/null >"$T/tty" 2>&1
	is "-q silences it" "$(cat "$T/tty")" ""
else
	skip "progress line" "script(1) is missing"
fi
finish
