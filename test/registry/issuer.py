# See LICENSE file for copyright and license details.
#
# issuer.py KEY CERT TLSCERT TLSKEY PORTFILE LOG: a token service for the
# registry's token mode, over HTTPS with TLSCERT.  Anonymous requests get pull access to every
# repository but those under priv/; joe:s3cret gets what it asks for; other
# credentials get 401.  Tokens are JWTs signed RS256 with KEY (by openssl),
# CERT in their x5c header: the registry trusts CERT as its root bundle.
import base64, http.server, json, os, ssl, subprocess, sys, time, urllib.parse

key, cert, tlscert, tlskey, portfile, log = sys.argv[1:7]

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()

der = subprocess.run(['openssl', 'x509', '-in', cert, '-outform', 'DER'],
                     capture_output=True, check=True).stdout

def sign(claims):
    head = {'typ': 'JWT', 'alg': 'RS256', 'x5c': [base64.b64encode(der).decode()]}
    msg = b64(json.dumps(head).encode()) + '.' + b64(json.dumps(claims).encode())
    sig = subprocess.run(['openssl', 'dgst', '-sha256', '-sign', key], input=msg.encode(),
                         capture_output=True, check=True).stdout
    return msg + '.' + b64(sig)

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        auth = self.headers.get('Authorization', '')
        user = ''
        if auth.startswith('Basic '):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(':')
            if (user, pw) != ('joe', 's3cret'):
                with open(log, 'a') as f:
                    f.write('token refused user=%s\n' % user)
                self.send_response(401)
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
        access = []
        for scope in q.get('scope', []):
            typ, name, actions = scope.split(':')
            if user or not name.startswith('priv/'):
                access.append({'type': typ, 'name': name,
                               'actions': actions.split(',') if user else ['pull']})
        now = int(time.time())
        tok = sign({'iss': 'pieces-test', 'sub': user, 'aud': q.get('service', [''])[0],
                    'exp': now + 600, 'nbf': now - 60, 'iat': now,
                    'jti': os.urandom(8).hex(), 'access': access})
        with open(log, 'a') as f:
            f.write('token user=%s scope=%s\n' % (user or '-', ' '.join(q.get('scope', []))))
        body = json.dumps({'token': tok, 'expires_in': 600}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(tlscert, tlskey)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + '.tmp', portfile)
srv.serve_forever()
