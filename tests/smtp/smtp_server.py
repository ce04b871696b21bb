"""A real SMTP server for Balise's end-to-end tests (aiosmtpd 1.4.6).

Usage: python smtp_server.py --port P --dir DIR [--auth user:pass] [--exit-on-stdin-eof]
                             [--verbose]

Listens on 127.0.0.1:P (P = 0 picks a free port) and prints `listening on 127.0.0.1:PORT`
as its first stdout line once it accepts connections; nothing else goes to stdout.

Each message answered `250` is written to DIR as `NNNNNN.json` (the envelope: mailFrom,
rcptTos, receivedAt, plus mailOptions and authLogin), then `NNNNNN.eml` (the DATA bytes as
received, CRLF line endings, dot-stuffing removed), each through a temporary file and a
rename, so whoever sees the .eml finds the .json. Messages answered otherwise are not
written.

The fault mode is read from DIR/mode when a message's data has arrived, before the server
answers it (no file means `ok`):
  ok          accept (250)
  451 N       answer the next N messages `451 4.3.0 Temporary failure (test)`, then accept
  550         answer every message `550 5.7.1 Rejected (test)`
  delay MS    wait MS milliseconds before answering (and storing) the message
Only the first line counts; further lines (such as the harness's `# generation` line) are
ignored, but any change to the file restarts a `451 N` count.

With --auth user:pass the server offers AUTH PLAIN and LOGIN without TLS and refuses
MAIL, RCPT and DATA before a successful AUTH (530). Without it, AUTH is not offered.

SIGTERM or SIGINT closes the listener and every open connection, and the server exits 0.
With --exit-on-stdin-eof it does the same when its standard input closes: the harness holds
that pipe, so a test process that dies without stopping the server does not leave it behind.
"""

import argparse
import asyncio
import datetime
import json
import logging
import os
import re
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"
TEMPFAIL = "451 4.3.0 Temporary failure (test)"
REJECTED = "550 5.7.1 Rejected (test)"
MESSAGE_NAME = re.compile(r"^(\d{6})\.eml$")


class ModeFile:
    """The fault mode in DIR/mode, with the count of a `451 N` mode still to answer."""

    def __init__(self, path):
        self.path = path
        self.seen = None
        self.tempfails_left = 0

    def _read(self):
        try:
            with open(self.path, "rb") as file:
                stat = os.fstat(file.fileno())
                text = file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None, "ok"
        lines = [line.strip() for line in text.splitlines()]
        first = next((line for line in lines if line and not line.startswith("#")), "ok")
        return (stat.st_ino, stat.st_mtime_ns, text), first

    def current(self):
        """Returns ("ok" | "tempfail" | "reject" | "delay" | "invalid", argument)."""
        identity, mode = self._read()
        changed = identity != self.seen
        self.seen = identity
        words = mode.split()
        if words == ["ok"]:
            return "ok", None
        if len(words) == 2 and words[0] == "451" and words[1].isdigit():
            if changed:
                self.tempfails_left = int(words[1])
            if self.tempfails_left > 0:
                self.tempfails_left -= 1
                return "tempfail", None
            return "ok", None
        if words == ["550"]:
            return "reject", None
        if len(words) == 2 and words[0] == "delay" and words[1].isdigit():
            return "delay", int(words[1])
        return "invalid", mode


class Mailbox:
    """Writes accepted messages to the directory, numbered in order of arrival."""

    def __init__(self, directory):
        self.directory = directory
        existing = [
            int(match.group(1))
            for match in map(MESSAGE_NAME.match, os.listdir(directory))
            if match
        ]
        self.next_number = max(existing, default=0) + 1

    def _write_atomically(self, name, data):
        temporary = os.path.join(self.directory, f".{name}.tmp")
        with open(temporary, "wb") as file:
            file.write(data)
        os.rename(temporary, os.path.join(self.directory, name))

    def store(self, envelope, session):
        number = self.next_number
        self.next_number += 1
        auth = session.auth_data if session.authenticated else None
        login = auth.login.decode("utf-8", errors="replace") if isinstance(auth, LoginPassword) else None
        received_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        meta = {
            "mailFrom": envelope.mail_from,
            "rcptTos": list(envelope.rcpt_tos),
            "receivedAt": received_at.replace("+00:00", "Z"),
            "mailOptions": list(envelope.mail_options),
            "authLogin": login,
        }
        # The envelope first: a reader that sees the .eml always finds its .json.
        self._write_atomically(f"{number:06}.json", json.dumps(meta, indent=2).encode("utf-8") + b"\n")
        self._write_atomically(f"{number:06}.eml", bytes(envelope.original_content))
        return number


class Handler:
    """aiosmtpd handler: applies the fault mode, then stores the message."""

    def __init__(self, mailbox, mode):
        self.mailbox = mailbox
        self.mode = mode

    async def handle_DATA(self, server, session, envelope):
        kind, argument = self.mode.current()
        if kind == "tempfail":
            return TEMPFAIL
        if kind == "reject":
            return REJECTED
        if kind == "invalid":
            print(f"smtp_server: unknown mode {argument!r} in {self.mode.path}", file=sys.stderr)
            return f"554 5.3.5 Unknown test mode {argument!r}"
        if kind == "delay":
            # A client that gives up meanwhile closes the connection, which cancels this
            # coroutine: the message is then neither stored nor answered.
            await asyncio.sleep(argument / 1000)
            if server.transport is None or server.transport.is_closing():
                return TEMPFAIL
        number = self.mailbox.store(envelope, session)
        return f"250 2.0.0 OK: queued as {number:06}"


def authenticator_for(user, password):
    expected = LoginPassword(user.encode("utf-8"), password.encode("utf-8"))

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data == expected:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return authenticate


class TrackedSMTP(SMTP):
    """An SMTP connection that the server can close on shutdown."""

    def __init__(self, connections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._connections = connections

    def connection_made(self, transport):
        self._tracked = transport
        self._connections.add(transport)
        super().connection_made(transport)

    def connection_lost(self, error):
        self._connections.discard(self._tracked)
        super().connection_lost(error)


async def serve(arguments):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    if arguments.exit_on_stdin_eof:
        stdin = sys.stdin.buffer.raw.fileno()

        def on_stdin():
            try:
                data = os.read(stdin, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(stdin)
                stop.set()

        loop.add_reader(stdin, on_stdin)

    os.makedirs(arguments.dir, exist_ok=True)
    handler = Handler(Mailbox(arguments.dir), ModeFile(os.path.join(arguments.dir, "mode")))
    options = {
        # A fixed name: socket.getfqdn() can wait on DNS.
        "hostname": "balise-test-smtp",
        "enable_SMTPUTF8": True,
        "loop": loop,
    }
    if arguments.auth is not None:
        user, separator, password = arguments.auth.partition(":")
        if not separator:
            raise SystemExit("smtp_server: --auth takes user:pass")
        options.update(
            authenticator=authenticator_for(user, password),
            auth_required=True,
            # The tests run without TLS.
            auth_require_tls=False,
        )
    connections = set()
    server = await loop.create_server(
        lambda: TrackedSMTP(connections, handler, **options), host=HOST, port=arguments.port
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {HOST}:{port}", flush=True)

    await stop.wait()
    server.close()
    for transport in list(connections):
        transport.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description="SMTP server for Balise's tests")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1, 0 for any")
    parser.add_argument("--dir", required=True, help="where accepted messages are written")
    parser.add_argument("--auth", help="user:pass to require AUTH PLAIN/LOGIN")
    parser.add_argument(
        "--exit-on-stdin-eof", action="store_true", help="stop when standard input closes"
    )
    parser.add_argument("--verbose", action="store_true", help="log every SMTP exchange to stderr")
    arguments = parser.parse_args()

    logging.basicConfig(stream=sys.stderr, format="smtp_server: %(levelname)s %(message)s")
    # aiosmtpd warns about AUTH without TLS and about its own deprecated login_data on every
    # AUTH: both are expected here.
    logging.getLogger("mail.log").setLevel(logging.DEBUG if arguments.verbose else logging.ERROR)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
