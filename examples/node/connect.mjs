// connect.mjs: connect a bank account through basiq-worker's HTTP API,
// from Node with nothing but the built-in fetch (Node 18+).
//
// 1. creates a Basiq user, calling Basiq (here basiq-dev's fake) directly
//    as a partner's back end does: the API offers nothing for users;
// 2. enqueues a connection with the sandbox credentials
//    (POST /v1/connections, with an Idempotency-Key);
// 3. streams the task's progress over Server-Sent Events
//    (GET /v1/events?task=...), resuming with Last-Event-ID if the
//    connection drops, and prints the result.
//
//   BASIQ_API_URL=http://127.0.0.1:8090 API_TOKEN=... \
//   BASIQ_URL=http://127.0.0.1:PORT BASIQ_API_KEY=dev-api-key node connect.mjs
//
// basiq-dev prints all four values at start.

import { randomUUID } from "node:crypto";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const api = env("BASIQ_API_URL", "http://127.0.0.1:8090");
const token = env("API_TOKEN");
const basiq = env("BASIQ_URL");
const basiqKey = env("BASIQ_API_KEY", "dev-api-key");
const timeoutMs = Number(process.env.TIMEOUT_MS ?? 120000);

// json sends a request and returns the decoded answer, or throws with the
// problem+json the server sent.
async function json(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const params = (body?.["invalid-params"] ?? []).map((p) => `${p.name} ${p.reason}`).join("; ");
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${body?.title ?? ""} ${body?.detail ?? ""} ${params}`);
  }
  return body;
}

// createUser creates a user at Basiq (a server token, then POST /users).
async function createUser() {
  const tok = await json(`${basiq}/token`, {
    method: "POST",
    headers: { Authorization: `Basic ${basiqKey}`, "basiq-version": "2.0",
      "Content-Type": "application/x-www-form-urlencoded" },
    body: "scope=SERVER_ACCESS",
  });
  const user = await json(`${basiq}/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tok.access_token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ email: `node-${randomUUID()}@example.com` }),
  });
  return user.id;
}

const auth = { Authorization: `Bearer ${token}` };

// enqueue asks the API to create the connection; the key makes a retry safe.
async function enqueue(userId) {
  return json(`${api}/v1/connections`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": randomUUID() },
    body: JSON.stringify({ userId, institutionId: "AU00000",
      credentials: { loginId: "gavinBelson", password: "hooli2016" } }),
  });
}

// parseEvents splits an SSE buffer into complete events and the rest.
function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop();
  for (const block of blocks) {
    const ev = { id: null, event: "message", data: "" };
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // a heartbeat or a comment
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "id") ev.id = value;
      else if (field === "event") ev.event = value;
      else if (field === "data") ev.data += value;
    }
    if (ev.data) events.push(ev);
  }
  return { events, rest };
}

// follow streams the task's events until its result, reconnecting with
// Last-Event-ID after a dropped connection.
async function follow(taskId, signal) {
  let lastId = "0";
  for (;;) {
    const res = await fetch(`${api}/v1/events?task=${encodeURIComponent(taskId)}`, {
      headers: { ...auth, Accept: "text/event-stream", "Last-Event-ID": lastId }, signal,
    });
    if (!res.ok) throw new Error(`events: ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        const parsed = parseEvents(buffer + decoder.decode(chunk, { stream: true }));
        buffer = parsed.rest;
        for (const ev of parsed.events) {
          if (ev.id) lastId = ev.id;
          const e = JSON.parse(ev.data);
          if (e.type === "progress") {
            const steps = e.progress.steps.map((s) => `${s.title}=${s.status}`).join(" ");
            console.log(`progress: ${steps}`);
          } else if (e.type === "mfa_required") {
            console.log(`mfa required: ${e.mfa.description}`);
          } else if (e.type === "result") {
            return e.result;
          }
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      console.error(`stream dropped (${err.message}); resuming after ${lastId}`);
    }
  }
}

const userId = await createUser();
console.log(`user: ${userId}`);
const { taskId } = await enqueue(userId);
console.log(`task: ${taskId}`);
const result = await follow(taskId, AbortSignal.timeout(timeoutMs));
console.log(`result: ${result.outcome} connection=${result.connectionId ?? ""} accounts=${(result.accounts ?? []).length}`);
console.log(JSON.stringify(result));
process.exit(result.outcome === "completed" ? 0 : 1);
