# See LICENSE file for copyright and license details.
#
# reg.py: the few registry client calls the tests need that skopeo does
# not make, as joe:s3cret through the token service (SSL_CERT_FILE is the
# test CA):
#	reg.py get HOST REPO REF		print the manifest
#	reg.py put HOST REPO REF TYPE FILE	PUT FILE as a manifest of TYPE
import base64, json, re, ssl, sys, urllib.error, urllib.parse, urllib.request

ctx = ssl.create_default_context()

def call(method, url, body=None, headers={}):
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        return urllib.request.urlopen(req, context=ctx)
    except urllib.error.HTTPError as e:
        if e.code != 401:
            raise
        ch = e.headers['WWW-Authenticate']
    p = dict(re.findall(r'(\w+)="([^"]*)"', ch))
    q = urllib.parse.urlencode({'service': p.get('service', ''),
                                'scope': p.get('scope', '')})
    basic = base64.b64encode(b'joe:s3cret').decode()
    tr = urllib.request.Request(p['realm'] + '?' + q, headers={'Authorization': 'Basic ' + basic})
    tok = json.load(urllib.request.urlopen(tr, context=ctx))['token']
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=dict(headers, Authorization='Bearer ' + tok))
    return urllib.request.urlopen(req, context=ctx)

cmd, host, repo, ref = sys.argv[1:5]
url = 'https://%s/v2/%s/manifests/%s' % (host, repo, ref)
acc = ', '.join(['application/vnd.oci.image.index.v1+json',
                 'application/vnd.oci.image.manifest.v1+json',
                 'application/vnd.docker.distribution.manifest.v2+json'])
if cmd == 'get':
    sys.stdout.write(call('GET', url, headers={'Accept': acc}).read().decode())
elif cmd == 'put':
    call('PUT', url, open(sys.argv[6], 'rb').read(), {'Content-Type': sys.argv[5]})
