"""Exit 0 when a Tryton server answers `common.server.version` at URL (argv[1]), else 1."""
import json
import sys
import urllib.request

body = json.dumps({'id': 0, 'method': 'common.server.version', 'params': []}).encode()
request = urllib.request.Request(sys.argv[1] + '/rpc/', body, {'Content-Type': 'application/json'})
try:
    with urllib.request.urlopen(request, timeout=2) as response:
        sys.exit(0 if 'result' in json.loads(response.read()) else 1)
except Exception:
    sys.exit(1)
