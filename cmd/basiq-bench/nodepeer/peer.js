'use strict';
// basiq-bench -peer node: the pattern basiq-worker replaces. A BullMQ worker
// at a high concurrency whose processor uses Basiq's Node SDK as its README
// shows: createConnection, job.waitForCredentials(interval, timeout), then
// the job polled every interval until retrieve-transactions ends, then the
// connection's transactions. Each job holds its worker slot while it sleeps.
//
// The SDK's host is fixed (https://au-api.basiq.io) and every call goes
// through the `request` module, so a shim in front of `request` sends its
// calls to the fake Basiq server (keep-alive agent, an idle socket per slot) and
// notes, from each GET /jobs/{id} answer, when a step was first seen done.
//
// Protocol with basiq-bench: environment in, JSON lines out on stdout
// ("ready", "start", "enq", "result", "done"); the process exits, after
// obliterating its queue, when stdin closes.
const http = require('http');
const fs = require('fs');

const HOST = 'https://au-api.basiq.io';
const env = (k) => {
  const v = process.env[k];
  if (!v) {
    process.stderr.write(`peer.js: ${k} is not set\n`);
    process.exit(2);
  }
  return v;
};
const FAKE = env('BENCH_FAKE_URL');
const API_KEY = env('BENCH_API_KEY');
const REDIS = new URL(env('BENCH_REDIS_URL'));
const PREFIX = env('BENCH_PREFIX');
const CONCURRENCY = Number(env('BENCH_CONCURRENCY'));
const INTERVAL = Number(env('BENCH_INTERVAL_MS'));
const users = JSON.parse(fs.readFileSync(env('BENCH_USERS_FILE'), 'utf8'));

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

// An idle connection kept per slot: the default 256 free sockets would make
// slots beyond 256 reconnect per call.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Math.max(CONCURRENCY, 256) });
const seen = new Map(); // Basiq job id -> {polls, steps: {title: {status, at}}}
const request = require('request');
function shim(opts, cb) {
  if (typeof opts.uri === 'string' && opts.uri.startsWith(HOST)) {
    opts.uri = FAKE + opts.uri.slice(HOST.length);
  }
  opts.agent = agent;
  const m = opts.method === 'GET' && /\/jobs\/([^/?]+)$/.exec(opts.uri);
  return request(opts, (err, res, body) => {
    if (!err && m && res.statusCode === 200) {
      const at = Date.now();
      const s = seen.get(m[1]) || { polls: 0, steps: {} };
      s.polls++;
      try {
        for (const st of JSON.parse(body).steps || []) {
          if ((st.status === 'success' || st.status === 'failed') && !s.steps[st.title]) {
            s.steps[st.title] = { status: st.status, at };
          }
        }
      } catch (e) { /* the SDK reports the bad body */ }
      seen.set(m[1], s);
    }
    cb(err, res, body);
  });
}
require.cache[require.resolve('request')].exports = shim;

const Basiq = require('basiq-sdk-nodejs');
const { Queue, Worker } = require('bullmq');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const connection = {
  host: REDIS.hostname, port: Number(REDIS.port || 6379),
  db: Number((REDIS.pathname || '/0').slice(1) || 0),
  password: REDIS.password ? decodeURIComponent(REDIS.password) : undefined,
  maxRetriesPerRequest: null,
};

function report(i, jobId, ok, error) {
  const s = seen.get(jobId) || { polls: 0, steps: {} };
  seen.delete(jobId);
  const steps = Object.entries(s.steps).map(([title, v]) => ({ title, status: v.status, at: v.at }));
  out({ t: 'result', i, jobId, ok, error, polls: s.polls, steps, at: Date.now() });
}

(async () => {
  const session = await Basiq.Session(API_KEY, '2.0');
  const queue = new Queue('peer', { connection, prefix: PREFIX });
  let results = 0;
  const worker = new Worker('peer', async (job) => {
    const { i, userId } = job.data;
    const user = session.forUser(userId);
    let bjob = null;
    try {
      bjob = await user.createConnection('AU00000', 'gavinBelson', 'hooli2016');
      const conn = await bjob.waitForCredentials(INTERVAL, 600);
      let j = bjob;
      for (;;) {
        j = await j.refresh();
        const steps = j.steps || [];
        const last = steps[steps.length - 1];
        if (steps.some((s) => s.status === 'failed') || (last && last.status === 'success')) break;
        await sleep(INTERVAL);
      }
      const fb = new Basiq.FilterBuilder();
      fb.eq('connection.id', conn.id);
      const txs = await user.getTransactions(fb);
      while (await txs.next()) { /* page through */ }
      report(i, bjob.id, true);
    } catch (e) {
      report(i, bjob ? bjob.id : '', false, String((e && (e.message || JSON.stringify(e))) || e));
    }
    if (++results === users.length) out({ t: 'done', at: Date.now(), ...trouble });
  }, { connection, prefix: PREFIX, concurrency: CONCURRENCY });
  // BullMQ's own trouble (lock renewals that failed, jobs found stalled): counted, not logged per job.
  const trouble = { errors: 0, stalled: 0, first: '' };
  worker.on('error', (e) => { trouble.errors++; trouble.first = trouble.first || String(e && e.message || e); });
  worker.on('stalled', () => { trouble.stalled++; });
  await worker.waitUntilReady();
  out({ t: 'ready' });
  out({ t: 'start', at: Date.now() });
  for (let from = 0; from < users.length; from += 1000) {
    const to = Math.min(from + 1000, users.length);
    const jobs = [];
    for (let i = from; i < to; i++) jobs.push({ name: 'connect', data: { i, userId: users[i] } });
    await queue.addBulk(jobs);
    out({ t: 'enq', from, to, at: Date.now() });
  }
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    process.exit(0);
  });
})().catch((e) => {
  process.stderr.write(`peer.js: ${e && e.stack || e}\n`);
  process.exit(1);
});
