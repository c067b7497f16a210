"""Loaded by every Python process the executor tests start (their PYTHONPATH names this folder): records each
socket address a process connects, binds or sends to, and each host name it resolves, when it is not loopback,
in the file named by TUNEWISE_TEST_NETLOG. The test reads it back: it must stay empty."""

import os
import sys

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "", None}


def _host(address):
    if isinstance(address, tuple | list) and address:
        return address[0]
    return None  # a Unix socket path, or a file descriptor: not the network


def _guard(event, args):
    if event in ("socket.connect", "socket.bind", "socket.sendto"):
        host = _host(args[-1])
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if isinstance(host, bytes):
        host = host.decode()
    if host not in LOOPBACK and os.environ.get("TUNEWISE_TEST_NETLOG"):
        with open(os.environ["TUNEWISE_TEST_NETLOG"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {host!r}\n")
    if os.environ.get("TUNEWISE_TEST_NETSEEN") and event == "socket.connect" and host in LOOPBACK:
        with open(os.environ["TUNEWISE_TEST_NETSEEN"], "a", encoding="utf-8") as seen:
            seen.write(f"{os.getpid()} {host}\n")


sys.addaudithook(_guard)
