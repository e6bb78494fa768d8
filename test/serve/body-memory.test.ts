// What a request body sent in tiny pieces costs the server: a real `modelgate serve` process, raw
// sockets, and the process's own peak memory (VmHWM) before and after.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { connectRaw, memoryOf, type RawConnection, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

const MiB = 1024 * 1024;
const ANSWER = { prediction: { label: 'virginica', probability: 0.9997 } };

/** The reference row followed by spaces to `size` bytes: valid JSON, so a whole body is answered 200. */
function paddedRow(size: number): Buffer {
  const row = Buffer.from(JSON.stringify(REFERENCE_ROW));
  return Buffer.concat([row, Buffer.alloc(size - row.length, ' ')]);
}

/** Sends `body` as chunks of `piece` bytes (chunked transfer encoding), writing 64 KB of wire at a time. */
async function sendChunked(raw: RawConnection, body: Buffer, piece: number): Promise<void> {
  await raw.write('POST /predict HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
  const frames: Buffer[] = [];
  let batched = 0;
  for (let at = 0; at < body.length; at += piece) {
    const part = body.subarray(at, at + piece);
    frames.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
    batched += part.length + 8;
    if (batched >= 64 * 1024) {
      if (!(await raw.write(Buffer.concat(frames)))) return;
      frames.length = 0;
      batched = 0;
      // Read what the server answers as it comes, as a client would (a reset would discard it unread).
      await new Promise((r) => setImmediate(r));
    }
  }
  frames.push(Buffer.from('0\r\n\r\n'));
  await raw.write(Buffer.concat(frames));
}

describe.runIf(existsSync('/proc/self/status'))('modelgate serve: bodies in tiny pieces', () => {
  it('refuses a body in 1-byte chunks after a few thousand of them, and its memory stays flat', async () => {
    // Before: the server kept every 1-byte chunk (a few hundred bytes each) and gathered the whole
    // body, 1 MB of it taking the process up by ~380 MB.
    const s = await serve([IRIS_MODEL]);
    const pid = s.child.pid!;
    const before = memoryOf(pid);
    const raw = await connectRaw(s.url);
    const started = performance.now();
    await sendChunked(raw, paddedRow(MiB), 1);
    const [res] = await raw.responses(1);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error).toMatchObject({ type: 'body_too_fragmented' });
    expect(JSON.parse(res!.body).error.message).toMatch(/arrived in 4097 pieces of 1\.0 bytes on average/);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(memoryOf(pid).peakMiB - before.peakMiB).toBeLessThan(32);
    raw.socket.destroy();
  });

  it('answers a 6 MB body in 24-byte chunks holding at most a few times its size', async () => {
    // 250,000 chunks: before, ~100 MB of chunk objects; now one buffer that doubles as it fills.
    const s = await serve([IRIS_MODEL]);
    const pid = s.child.pid!;
    const before = memoryOf(pid);
    const raw = await connectRaw(s.url);
    await sendChunked(raw, paddedRow(6_000_000), 24);
    const [res] = await raw.responses(1, 30_000);
    expect(res?.status).toBe(200);
    expect(JSON.parse(res!.body)).toEqual(ANSWER);
    // The gathered body (at most the 6 MiB limit, beside the outgrown buffers until the next
    // collection), its text and its JSON: ~20 MB.
    expect(memoryOf(pid).peakMiB - before.peakMiB).toBeLessThan(48);
    raw.socket.destroy();
  });

  it('bounds a Content-Length body written 1 byte per write with Nagle off', async () => {
    // One byte a write, and a turn of the event loop between writes so that each leaves as its own
    // segment: each may reach the server as a read of its own, so a chunk of its own. Before, 512 KB
    // sent this way cost the process ~37 MB.
    const s = await serve([IRIS_MODEL]);
    const pid = s.child.pid!;
    const before = memoryOf(pid);
    const raw = await connectRaw(s.url);
    const body = paddedRow(512 * 1024);
    await raw.write(`POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`);
    for (let i = 0; i < body.length; i++) {
      if (!(await raw.write(body.subarray(i, i + 1)))) break;
      await new Promise((r) => setImmediate(r));
    }
    const [res] = await raw.responses(1, 30_000);
    // Whether the reads came a byte at a time (refused) or were merged on the way (answered) is the
    // kernel's choice; what the body costs is bounded either way.
    if (res?.status === 200) expect(JSON.parse(res.body)).toEqual(ANSWER);
    else expect(JSON.parse(res!.body).error.type).toBe('body_too_fragmented');
    expect(memoryOf(pid).peakMiB - before.peakMiB).toBeLessThan(16);
    raw.socket.destroy();
  });

  it('keeps 64 connections holding 1 MB partial bodies within 2.5 MB each', async () => {
    const s = await serve([IRIS_MODEL]);
    const pid = s.child.pid!;
    const before = memoryOf(pid);
    const part = Buffer.alloc(16 * 1024, ' ');
    const conns = await Promise.all(
      Array.from({ length: 64 }, async () => {
        const raw = await connectRaw(s.url);
        await raw.write(`POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: ${6 * MiB}\r\n\r\n`);
        for (let sent = 0; sent < MiB; sent += part.length) await raw.write(part);
        return raw;
      }),
    );
    // Each body is gathered into one buffer of at most four times what it has received, whose pages
    // are taken only as bytes arrive, beside outgrown ones (a third of it) until the next collection.
    await new Promise((r) => setTimeout(r, 300));
    expect(memoryOf(pid).peakMiB - before.peakMiB).toBeLessThan(64 * 2.5);
    for (const raw of conns) raw.socket.destroy();
    // The server is unharmed.
    const res = await fetch(`${s.url}/predict`, { method: 'POST', body: JSON.stringify(REFERENCE_ROW) });
    expect(await res.json()).toEqual(ANSWER);
  });
});
