// Drives Proctor's Socket.IO API with the official socket.io-client (the web app's own copy, in
// web/node_modules), as a client nobody on the project wrote would. Each peer behaves like the
// web app's SocketService: the library reconnects by itself, and the peer joins again after
// every connect.
//
//   node socketio_client.mjs '<config as JSON>'
//
// config: { web_dir, url, session_id, transports, steps, candidate_token, interviewer_token?,
//           image_path?, broken? }
// steps: "flow" (both roles: join, frames, an event, chat both ways, a broken packet) and/or
// "broken" (the candidate alone: each packet of `broken` in turn, reconnecting in between).
// A packet is a string, or {"base64": ...} for binary. Prints one JSON report on stdout; a step
// that fails exits 1 with its reason on stderr.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const require = createRequire(join(config.web_dir, 'package.json'));
const { io } = require('socket.io-client');

const STEP_MS = 10_000;
// How long a broken packet may take to close the connection before the step gives up (the test
// itself asserts the limit, so a slow close is reported with its time).
const DISCONNECT_MS = 15_000;

function within(ms, what, promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One page's connection: joins after every (re)connect, keeps what the server sent. */
class Peer {
  constructor(role, token, name) {
    this.role = role;
    this.received = [];
    this.joins = [];
    this.waiters = [];
    this.socket = io(config.url, {
      path: '/socket.io',
      auth: { token },
      transports: config.transports,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on('connect', async () => {
      const ack = await this.socket
        .timeout(STEP_MS)
        .emitWithAck('join', { session_id: config.session_id, role, name, peer: `${role}-page` });
      this.joins.push({ ack, at: performance.now() });
      this.wake();
    });
    this.socket.on('disconnect', (reason) => {
      this.received.push(['disconnect', reason, performance.now()]);
      this.wake();
    });
    this.socket.onAny((event, payload) => {
      this.received.push([event, payload, performance.now()]);
      this.wake();
    });
  }

  wake() {
    for (const check of this.waiters) check();
  }

  /** Resolves with the first value `find()` returns that is not undefined. */
  until(what, find, ms = STEP_MS) {
    return within(
      ms,
      `${this.role}: ${what}`,
      new Promise((resolve) => {
        const check = () => {
          const found = find();
          if (found !== undefined) {
            this.waiters = this.waiters.filter((c) => c !== check);
            resolve(found);
          }
        };
        this.waiters.push(check);
        check();
      }),
    );
  }

  joined(count) {
    return this.until(`join #${count}`, () => this.joins[count - 1]?.ack);
  }

  message(event, match, after = 0) {
    return this.until(`a ${event}`, () => {
      const hit = this.received.find(([name, data, at]) => name === event && at >= after && match(data));
      return hit?.[1];
    });
  }

  async call(event, payload) {
    return this.socket.timeout(STEP_MS).emitWithAck(event, payload);
  }
}

function decode(packet) {
  return typeof packet === 'string' ? packet : Buffer.from(packet.base64, 'base64');
}

/** Sends `packets` below Socket.IO; how the connection ended, and how long until joined again. */
async function breakWith(peer, packets) {
  const joins = peer.joins.length;
  const transport = peer.socket.io.engine.transport.name;
  const started = performance.now();
  for (const packet of packets) {
    peer.socket.io.engine.write(decode(packet));
  }
  const reason = await peer.until(
    'disconnect',
    () => peer.received.find(([name, , at]) => name === 'disconnect' && at >= started)?.[1],
    DISCONNECT_MS,
  );
  const disconnectMs = performance.now() - started;
  const willReconnect = peer.socket.active; // false would leave the page offline
  const ack = await peer.joined(joins + 1);
  return {
    packets,
    transport,
    reason,
    disconnect_ms: Math.round(disconnectMs),
    will_reconnect: willReconnect,
    rejoined: ack.ok === true,
    rejoined_ms: Math.round(performance.now() - started),
  };
}

async function flow(report) {
  const session_id = config.session_id;
  const interviewer = new Peer('interviewer', config.interviewer_token, 'Grace');
  const candidate = new Peer('candidate', config.candidate_token, 'Ada');
  const peers = [interviewer, candidate];
  try {
    const joined = { interviewer: await interviewer.joined(1) };
    joined.candidate = await candidate.joined(1);
    const presence = await interviewer.message('presence', (p) =>
      p.participants.some((x) => x.role === 'candidate'),
    );
    report.joined = { ...joined, presence: presence.participants.map((p) => p.role) };

    const image = readFileSync(config.image_path);
    report.frames = [];
    for (let i = 0; i < 3; i++) {
      report.frames.push(await candidate.call('frame', { session_id, image, ts: Date.now() }));
    }

    const sent = performance.now();
    const event = { session_id, type: 'focus_lost', detail: 'tab hidden', client_id: 'js-1', ts: Date.now() };
    const eventAck = await candidate.call('event', event);
    const seen = await interviewer.message('event', (e) => e.client_id === 'js-1', sent);
    report.event = { ack: eventAck, at_interviewer: seen };

    const up = await candidate.call('chat', { session_id, message: 'Hello from Node', client_id: 'js-c1' });
    const down = await interviewer.call('chat', { session_id, message: 'Hello back', client_id: 'js-i1' });
    report.chat = {
      acks: [up, down],
      at_interviewer: await interviewer.message('chat', (m) => m.message === 'Hello from Node'),
      at_candidate: await candidate.message('chat', (m) => m.message === 'Hello back'),
    };

    const broken = await breakWith(candidate, ['42[garbage not json']);
    const after = performance.now();
    const back = await candidate.call('chat', { session_id, message: 'Back again', client_id: 'js-c2' });
    report.broken = {
      ...broken,
      chat_after: back,
      at_interviewer: await interviewer.message('chat', (m) => m.message === 'Back again', after),
      interviewer_connected: interviewer.socket.connected && interviewer.joins.length === 1,
    };
  } finally {
    for (const peer of peers) peer.socket.disconnect();
  }
}

async function brokenPackets(report) {
  const candidate = new Peer('candidate', config.candidate_token, 'Ada');
  try {
    await candidate.joined(1);
    report.broken = [];
    for (const packets of config.broken) {
      report.broken.push(await breakWith(candidate, packets));
    }
  } finally {
    candidate.socket.disconnect();
  }
}

const report = {};
try {
  if (config.steps.includes('flow')) await flow(report);
  if (config.steps.includes('broken')) await brokenPackets(report);
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err.stack ?? err}\nreport so far: ${JSON.stringify(report)}\n`);
  process.exit(1);
}
