"""A tiny SMTP server for the fault bench: it accepts connections, then either hangs or takes mail.

`hang` mode accepts the connection and never answers (not even the greeting): a mail server that
stopped responding. `ok` mode speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) to take every message and remember its recipients. The mode can change while it runs.
"""

from __future__ import annotations

import asyncio
import threading
import time

MAX_MESSAGE = 32 * 1024 * 1024  # the largest message taken whole (a badge PDF attached is about 100 kB)


class SMTPSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.mode = "hang"
        self.received: list[list[str]] = []  # the recipients of each message taken
        self.times: list[float] = []  # when each was taken (time.monotonic())
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> SMTPSink:
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, self.host, self.port, limit=MAX_MESSAGE), self._loop
        )
        self._thread.start()
        server = self._server.result(timeout=10)
        self.port = server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close():
            server = self._server.result()
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.mode == "hang":
                await asyncio.sleep(3600)
                return
            writer.write(b"220 bench sink\r\n")
            recipients: list[str] = []
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    writer.write(b"250 bench sink\r\n")
                elif verb == "MAIL":
                    recipients = []
                    writer.write(b"250 OK\r\n")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>").lower())
                    writer.write(b"250 OK\r\n")
                elif verb == "DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    # The message up to its end mark in one read (smtplib always ends it with
                    # CRLF . CRLF), not line by line: the sink stands in for a mail server on
                    # another machine and should take as little of this one's CPU as it can.
                    try:
                        await reader.readuntil(b"\r\n.\r\n")
                    except asyncio.IncompleteReadError:
                        return
                    self.received.append(recipients)
                    self.times.append(time.monotonic())
                    writer.write(b"250 OK\r\n")
                elif verb == "QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:  # RSET, NOOP and anything else
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()
