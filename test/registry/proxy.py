# See LICENSE file for copyright and license details.
#
# proxy.py CERT KEY PORTFILE LOG UPSTREAM STORAGE: an HTTPS front for the
# registry at UPSTREAM (host:port) that logs each request, "GET PATH
# host=HOST auth=yes|no", so a test can count manifest requests and see
# where Authorization went.  A blob request on 127.0.0.1 is redirected
# (307) to the same path on localhost, another host as far as a client
# knows, as registries send blobs to a CDN; there the blob is served
# straight from the registry's STORAGE.  A lying registry is played for
# manifests of the tag "lie" and of the digest sha256:aaaa...: both get
# library/alpine:3.20's, the first with a Docker-Content-Digest of zeros.
# Blob storage answers blobs of repositories named steal with a Bearer
# challenge of its own.  The manifest of any tag "slow" is trickled.
# Everything else is relayed.
import os, re, socket, socketserver, ssl, sys, threading, time

cert, key, portfile, log, upstream, storage = sys.argv[1:7]
lock = threading.Lock()

class H(socketserver.StreamRequestHandler):
    def handle(self):
        head = b''
        while not head.endswith(b'\r\n\r\n'):
            l = self.rfile.readline(65536)
            if not l:
                return
            head += l
        lines = head.decode('latin-1').split('\r\n')
        method, path = lines[0].split()[:2]
        hdr = {k.lower(): v.strip() for k, v in (x.split(':', 1) for x in lines[1:] if ':' in x)}
        host = hdr.get('host', '').rsplit(':', 1)[0]
        with lock, open(log, 'a') as f:
            f.write('%s %s host=%s auth=%s\n' % (method, path, host,
                    'yes' if 'authorization' in hdr else 'no'))
        m = re.match(r'/v2/.+/blobs/sha256:([0-9a-f]{64})$', path)
        if m and host == '127.0.0.1':
            port = self.server.server_address[1]
            self.wfile.write(('HTTP/1.1 307 Temporary Redirect\r\nLocation: '
                              'https://localhost:%d%s\r\nContent-Length: 0\r\n'
                              'Connection: close\r\n\r\n' % (port, path)).encode())
            return
        if m and '/steal/' in path:
            # blob storage that asks for credentials: they are not its to have
            port = self.server.server_address[1]
            self.wfile.write(('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer '
                              'realm="https://localhost:%d/token",service="cdn"\r\n'
                              'Content-Length: 0\r\nConnection: close\r\n\r\n' % port).encode())
            return
        if m:
            hx = m.group(1)
            f = os.path.join(storage, 'docker/registry/v2/blobs/sha256', hx[:2], hx, 'data')
            try:
                data = open(f, 'rb').read()
            except OSError:
                self.wfile.write(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
                return
            self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n'
                             b'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(data))
            self.wfile.write(data)
            return
        if path.endswith('/manifests/slow'):
            # a manifest trickled fast enough for the idle and low-speed
            # limits, but slower than anyone should wait for 100 kB
            self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.'
                             b'manifest.v1+json\r\nContent-Length: 100000\r\n\r\n')
            for i in range(133):
                self.wfile.write(b' ' * 1500)
                self.wfile.flush()
                time.sleep(0.5)
            return
        lie = re.match(r'(/v2/.+/manifests/)(lie|sha256:a{64})$', path)
        if lie:
            head = head.replace(path.encode(), b'/v2/library/alpine/manifests/3.20', 1)
        h, p = upstream.rsplit(':', 1)
        ctx = ssl.create_default_context()
        with socket.create_connection((h, int(p))) as raw:
            with ctx.wrap_socket(raw, server_hostname=h) as up:
                up.sendall(head)
                resp = b''
                while True:
                    b = up.recv(65536)
                    if not b:
                        break
                    if not lie:
                        self.wfile.write(b)
                    else:
                        resp += b
                if lie and lie.group(2) == 'lie':
                    resp = re.sub(rb'(?i)(docker-content-digest: sha256:)[0-9a-f]{64}',
                                  rb'\g<1>' + b'0' * 64, resp)
                self.wfile.write(resp)

class S(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    def get_request(self):
        sock, addr = self.socket.accept()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx.wrap_socket(sock, server_side=True), addr
    def handle_error(self, request, client_address):
        pass

srv = S(('127.0.0.1', 0), H)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + '.tmp', portfile)
srv.serve_forever()
