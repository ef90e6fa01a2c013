#!/usr/bin/env python3
"""Posts the first N lines of an NGSI-LD batch file (the peer kit's ngsild.ndjson: one
entityOperations/upsert body per line) to a civitas server over 4 keep-alive connections and
prints requests, seconds, values/s (a value = one attribute with observedAt) and errors.

usage: upsert_lines.py FILE PORT [N]"""
import http.client
import sys
import threading
import time

WORKERS = 4
LINK = ('<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld>; '
        'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"')


def main():
    lines = open(sys.argv[1], 'rb').read().splitlines()
    port = int(sys.argv[2])
    if len(sys.argv) > 3:
        lines = lines[:int(sys.argv[3])]
    values = sum(line.count(b'"observedAt"') for line in lines)
    headers = {'Content-Type': 'application/json', 'Link': LINK}
    errors = []

    def post(first):
        connection = http.client.HTTPConnection('127.0.0.1', port)
        for i in range(first, len(lines), WORKERS):
            connection.request('POST', '/ngsi-ld/v1/entityOperations/upsert', lines[i], headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                errors.append(response.status)

    start = time.time()
    threads = [threading.Thread(target=post, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.time() - start
    print(f'requests={len(lines)} values={values} seconds={seconds:.2f} '
          f'values/s={values / seconds:.0f} errors={len(errors)}')
    sys.exit(1 if errors else 0)


main()
