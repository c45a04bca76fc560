// connect.mjs: connect a bank account through basiq-worker's HTTP API,
// from Node with nothing but the built-in fetch (Node 18+).
//
// By default it does Basiq API 3.0's journey (basiq-dev's default):
//
// 1. creates a Basiq user, calling Basiq (here basiq-dev's fake) directly
//    as a partner's back end does: the API offers nothing for users;
// 2. gets the user's Consent UI link (GET /v1/users/{id}/consent-url);
// 3. completes the consent as the person would in the Consent UI, here
//    through the fake's JSON form of it (POST /_mock/consent, a test-only
//    shortcut: a real app sends the user's browser to the link, and
//    Basiq's redirect brings the job ids back to the app);
// 4. enqueues a follow of the job ids handed back (POST /v1/follows, with
//    an Idempotency-Key);
// 5. streams the task's progress over Server-Sent Events
//    (GET /v1/events?task=...), resuming with Last-Event-ID if the
//    connection drops, and prints one result per job.
//
// With --credentials (or CONNECT_FLOW=credentials) it does API 1.0-2.x's
// flow instead, for basiq-dev -api-version 2.0: steps 2-4 become one
// credentials create (POST /v1/connections) with the sandbox login.
//
//   BASIQ_API_URL=http://127.0.0.1:8090 API_TOKEN=... \
//   BASIQ_URL=http://127.0.0.1:PORT BASIQ_API_KEY=dev-api-key node connect.mjs [--credentials]
//
// basiq-dev prints all four values at start. Exit status: 0 when every
// job completed, 1 when one did not, 2 on an error.

import { randomUUID } from "node:crypto";

// die reports bad input (exit status 2).
const die = (msg) => {
  console.error(`error: ${msg}`);
  process.exit(2);
};
const env = (name, fallback) => process.env[name] || fallback || die(`${name} is required`);
const flows = ["consent", "credentials"];
const flow = process.argv.includes("--credentials") ? "credentials" : env("CONNECT_FLOW", "consent");
if (!flows.includes(flow)) die(`CONNECT_FLOW=${flow}: want one of ${flows.join(", ")}`);
const api = env("BASIQ_API_URL", "http://127.0.0.1:8090");
const token = env("API_TOKEN");
const basiq = env("BASIQ_URL");
const basiqKey = env("BASIQ_API_KEY", "dev-api-key");
const timeoutMs = Number(process.env.TIMEOUT_MS || 120000);
if (!(timeoutMs > 0)) die(`TIMEOUT_MS=${process.env.TIMEOUT_MS}: want a number of milliseconds`);
// The fake's sandbox bank and a login it knows.
const bank = { institutionId: "AU00000", loginId: "gavinBelson", password: "hooli2016" };

// json sends a request and returns the decoded answer, or throws with the
// problem+json (or Basiq error) the server sent.
async function json(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const params = (body?.["invalid-params"] ?? []).map((p) => `${p.name} ${p.reason}`).join("; ");
    const basiqErrs = (body?.data ?? []).map((e) => `${e.code}: ${e.detail}`).join("; ");
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${body?.title ?? ""} ${body?.detail ?? ""} ${params}${basiqErrs}`);
  }
  return body;
}

// createUser creates a user at Basiq (a server token, then POST /users).
async function createUser() {
  const tok = await json(`${basiq}/token`, {
    method: "POST",
    headers: { Authorization: `Basic ${basiqKey}`, "basiq-version": flow === "consent" ? "3.0" : "2.0",
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

// post enqueues through the API; the Idempotency-Key makes a retry safe
// (the same key and body give the same task).
async function post(path, body, key = randomUUID()) {
  return json(`${api}${path}`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify(body),
  });
}

// consent gets the user's Consent UI link, then consents and logs in to
// the bank as the person would there, through the fake's JSON form of
// the Consent UI. It returns the job ids Basiq hands back.
async function consent(userId) {
  const state = randomUUID(); // ties the redirect back to this journey
  const { url } = await json(`${api}/v1/users/${encodeURIComponent(userId)}/consent-url?state=${state}`, { headers: auth });
  console.log(`consent url: ${url}`);
  console.log("  a real app sends the user's browser there; the Consent UI redirects back with jobIds and state.");
  console.log("  here the fake's POST /_mock/consent (test-only) stands in for the person in the Consent UI.");
  const done = await json(`${basiq}/_mock/consent`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId, ...bank, state }),
  });
  if (done.state !== state) throw new Error(`consent came back with state ${done.state}, want ${state}`);
  if (!Array.isArray(done.jobIds) || done.jobIds.length === 0) throw new Error(`consent handed back no job ids: ${JSON.stringify(done)}`);
  if (done.redirect) console.log(`  the browser would come back to: ${done.redirect}`);
  return { jobIds: done.jobIds, key: state };
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

// follow streams the task's events until it has a result for each of
// jobs results (a follow publishes one per job), reconnecting with
// Last-Event-ID after a dropped connection: durable events (results,
// MFA) carry the stream id, so nothing is missed or repeated.
async function follow(taskId, jobs, signal) {
  let lastId = "0"; // from the start: the result may already be out
  const results = new Map(); // job id -> result
  for (;;) {
    try {
      const res = await fetch(`${api}/v1/events?task=${encodeURIComponent(taskId)}`, {
        headers: { ...auth, Accept: "text/event-stream", "Last-Event-ID": lastId }, signal,
      });
      if (!res.ok) throw new Error(`GET /v1/events: ${res.status} ${await res.text()}`);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body) {
        const parsed = parseEvents(buffer + decoder.decode(chunk, { stream: true }));
        buffer = parsed.rest;
        for (const ev of parsed.events) {
          if (ev.id) lastId = ev.id;
          const e = JSON.parse(ev.data);
          if (ev.event === "error") {
            console.error(`events: ${e.detail}`);
          } else if (e.type === "progress") {
            // steps are observations in order: keep each step's latest.
            const latest = new Map(e.progress.steps.map((s) => [s.title, s.status]));
            const steps = [...latest].map(([title, status]) => `${title}=${status}`).join(" ");
            console.log(`progress: ${steps} (job ${e.progress.jobId})`);
          } else if (e.type === "mfa_required") {
            console.log(`mfa required: ${e.mfa.description} (job ${e.mfa.jobId})`);
          } else if (e.type === "result") {
            results.set(e.result.jobId ?? "", e.result);
            if (results.size >= jobs) return [...results.values()];
          }
        }
      }
      console.error(`stream ended; resuming after ${lastId}`);
    } catch (err) {
      if (signal.aborted) throw new Error(`no result after ${timeoutMs} ms (TIMEOUT_MS)`);
      if (err instanceof SyntaxError || err.message.startsWith("GET /v1/events")) throw err;
      console.error(`stream dropped (${err.message}); resuming after ${lastId}`);
    }
    await new Promise((r) => setTimeout(r, 1000)); // the stream's retry: 1000
  }
}

async function main() {
  console.log(`flow: ${flow}`);
  const userId = await createUser();
  console.log(`user: ${userId}`);
  let taskId, jobs;
  if (flow === "consent") {
    const { jobIds, key } = await consent(userId);
    console.log(`jobs: ${jobIds.join(" ")}`);
    ({ taskId } = await post("/v1/follows", { userId, jobIds }, key));
    jobs = jobIds.length;
  } else {
    const { institutionId, loginId, password } = bank;
    ({ taskId } = await post("/v1/connections", { userId, institutionId, credentials: { loginId, password } }));
    jobs = 1;
  }
  console.log(`task: ${taskId}`);
  const results = await follow(taskId, jobs, AbortSignal.timeout(timeoutMs));
  for (const r of results) {
    const err = r.error ? ` error=${r.error.code ?? ""}: ${r.error.detail ?? ""}` : "";
    console.log(`result: ${r.outcome} job=${r.jobId ?? ""} connection=${r.connectionId ?? ""} accounts=${(r.accounts ?? []).length}${err}`);
  }
  for (const r of results) console.log(JSON.stringify(r));
  return results.every((r) => r.outcome === "completed") ? 0 : 1;
}

// A failed fetch says why in its cause (e.g. ECONNREFUSED).
main().then((code) => process.exit(code), (err) => die(err.cause ? `${err.message}: ${err.cause.message ?? err.cause}` : err.message));
