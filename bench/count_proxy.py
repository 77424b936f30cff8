#!/usr/bin/env python3
"""A loopback TCP proxy for bench/never-hang.sh: forwards 127.0.0.1:PORT to
127.0.0.1:UPSTREAM and keeps, in COUNT_FILE, the bytes it has sent to
clients so far (rewritten every 50 ms), so a run can tell how many bytes a
tool fetched, whatever it keeps or throws away.

    count_proxy.py PORT UPSTREAM COUNT_FILE
"""
import asyncio
import sys

sent = 0


async def pump(reader, writer, count):
    global sent
    try:
        while True:
            data = await reader.read(1 << 20)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            if count:
                sent += len(data)
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def serve(client_reader, client_writer, upstream):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, upstream_writer, False), pump(upstream_reader, client_writer, True))


async def report(path):
    while True:
        with open(path + ".tmp", "w") as f:
            f.write(str(sent))
        import os
        os.replace(path + ".tmp", path)
        await asyncio.sleep(0.05)


async def main(port, upstream, path):
    server = await asyncio.start_server(lambda r, w: serve(r, w, upstream), "127.0.0.1", port)
    async with server:
        await asyncio.gather(server.serve_forever(), report(path))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
