package main

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// callback serves basiq-dev's side of the API 3.0 journey, as a partner
// app would: the page the Consent UI redirects to, which enqueues one
// follow per job handed back (tasks.Client.FollowJobs) and shows each
// job's progress and result, and a link to a fresh Consent UI visit.
//
// The page is rendered on the server; its script follows each pending
// task on the HTTP API's event stream (GET /v1/events?task=), which
// eventsPath relays with a token of basiq-dev's own, so that no token
// reaches the page.
type callback struct {
	j     *journeys
	tasks *tasks.Client
	rdb   redis.UniversalClient
	ns    string
	api   http.Handler // internal/httpapi
	token string       // an API token of basiq-dev's own, never shown
	// streams ends the page's event streams when basiq-dev stops.
	streams context.Context
	log     zerolog.Logger
}

// routes are the callback's routes on the admin server.
func (c *callback) routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET " + callbackPath: http.HandlerFunc(c.page),
		"GET " + eventsPath:   http.HandlerFunc(c.events),
		"GET " + jobPath:      http.HandlerFunc(c.job),
		"GET " + connectPath:  http.HandlerFunc(c.connect),
	}
}

// jobView is one job of the page: the follow task and its result, if in.
type jobView struct {
	JobID, TaskID string
	Result        *tasks.Result
}

// pageView is the callback page.
type pageView struct {
	UserID string
	Jobs   []jobView
	// After is the results stream position read before the results were:
	// the page's streams replay what came after it.
	After                        string
	EventsPath, JobPath, Connect string
}

// page is the Consent UI's redirect target: it enqueues a follow of each
// job (one task per job, keyed by the job: a reload follows once) and
// renders the page.
func (c *callback) page(w http.ResponseWriter, r *http.Request) {
	res, err := sdk.ParseConsentRedirect(r.URL)
	user := c.j.user(res.State)
	if errors.Is(err, sdk.ErrNoJobs) && user != "" {
		// Back from the manage page (a consent revoked or extended), or the
		// user left without connecting: nothing to follow.
		c.render(w, http.StatusOK, "nojob", pageView{UserID: user, Connect: connectPath})
		return
	}
	if err != nil {
		c.fail(w, http.StatusBadRequest, "The Consent UI's redirect cannot be read: "+err.Error())
		return
	}
	if user == "" {
		c.fail(w, http.StatusBadRequest, "The state "+strconv.Quote(res.State)+" is not one of a Consent UI link basiq-dev made (the banner's, "+connectPath+"'s or the HTTP API's consent-url): "+
			"without it the page cannot tell whose jobs these are. An app that made the link itself follows them itself (basiqctl follow, POST /v1/follows).")
		return
	}
	ctx := r.Context()
	after, err := lastStreamID(ctx, c.tasks)
	if err != nil {
		c.unavailable(w, err)
		return
	}
	v := pageView{UserID: user, After: after, EventsPath: eventsPath, JobPath: jobPath, Connect: connectPath}
	for _, id := range res.JobIDs {
		f := tasks.FollowJobs{UserID: user, JobIDs: []string{id}}
		if err := f.Validate(); err != nil {
			c.fail(w, http.StatusBadRequest, "Job "+strconv.Quote(id)+" cannot be followed: "+err.Error())
			return
		}
		task, err := c.tasks.FollowJobs(ctx, f, tasks.Enqueue{IdempotencyKey: followKeyPrefix + id})
		if err != nil {
			c.unavailable(w, err)
			return
		}
		jv := jobView{JobID: id, TaskID: task}
		if jv.Result, err = c.tasks.Result(ctx, task); err != nil {
			c.unavailable(w, err)
			return
		}
		v.Jobs = append(v.Jobs, jv)
	}
	c.render(w, http.StatusOK, "page", v)
}

// job renders one job's section (the script swaps it in when the result comes).
func (c *callback) job(w http.ResponseWriter, r *http.Request) {
	task := r.URL.Query().Get("task")
	if !isCallbackTask(task) {
		c.fail(w, http.StatusBadRequest, "task: not a follow of the callback page")
		return
	}
	res, err := c.tasks.Result(r.Context(), task)
	if err != nil {
		c.unavailable(w, err)
		return
	}
	jobID := strings.TrimPrefix(task, followTaskID(""))
	c.render(w, http.StatusOK, "job", jobView{JobID: jobID, TaskID: task, Result: res})
}

// events relays the HTTP API's event stream of one follow task (its
// progress, then its result) with basiq-dev's own token.
func (c *callback) events(w http.ResponseWriter, r *http.Request) {
	task := r.URL.Query().Get("task")
	if !isCallbackTask(task) {
		http.Error(w, "task: not a follow of the callback page", http.StatusBadRequest)
		return
	}
	q := url.Values{"task": {task}}
	if after := r.URL.Query().Get("after"); after != "" {
		q.Set("after", after)
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(c.streams, cancel)()
	in := r.Clone(ctx)
	in.URL.Path, in.URL.RawPath, in.URL.RawQuery, in.RequestURI = "/v1/events", "", q.Encode(), ""
	in.Header.Set("Authorization", "Bearer "+c.token)
	c.api.ServeHTTP(w, in)
}

// connect sends the browser to a fresh Consent UI visit: of the demo user,
// or of ?user= (one basiq-dev made a link for), to connect a bank or, with
// ?action=manage, to see, extend or revoke the consent.
func (c *callback) connect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	user, action := c.j.demoUser, q.Get("action")
	if u := q.Get("user"); u != "" {
		if !c.j.known(u) {
			c.fail(w, http.StatusBadRequest, "user: "+strconv.Quote(u)+" is not a user basiq-dev made a Consent UI link for")
			return
		}
		user = u
	}
	if action != "" && action != sdk.ConsentActionManage {
		c.fail(w, http.StatusBadRequest, "action: want manage or none, got "+strconv.Quote(action))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	link, err := c.j.link(ctx, user, action)
	if err != nil {
		c.unavailable(w, err)
		return
	}
	http.Redirect(w, r, link, http.StatusSeeOther)
}

func (c *callback) fail(w http.ResponseWriter, status int, msg string) {
	c.render(w, status, "error", msg)
}

// unavailable answers 503 for a failure of Redis or of the fake, logged.
func (c *callback) unavailable(w http.ResponseWriter, err error) {
	c.log.Error().Err(err).Msg("callback page")
	if errors.Is(err, context.Canceled) {
		return
	}
	c.fail(w, http.StatusServiceUnavailable, "basiq-dev cannot serve this page now: "+err.Error())
}

func (c *callback) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := callbackTemplates.ExecuteTemplate(&b, name, data); err != nil {
		c.log.Error().Err(err).Str("template", name).Msg("callback page")
		status, b = http.StatusInternalServerError, *bytes.NewBufferString("<!doctype html><p>template error</p>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// lastStatuses keeps each step's last status (a result lists every
// status a step was seen in), in the order the steps were first seen.
func lastStatuses(steps []tasks.StepObservation) []tasks.StepObservation {
	var out []tasks.StepObservation
	at := map[string]int{}
	for _, s := range steps {
		if i, ok := at[s.Title]; ok {
			out[i] = s
			continue
		}
		at[s.Title] = len(out)
		out = append(out, s)
	}
	return out
}

var callbackTemplates = template.Must(template.New("callback").Funcs(template.FuncMap{
	"duration": func(r *tasks.Result) string {
		return r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond).String()
	},
	"steps": lastStatuses,
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>basiq-dev: back from the Consent UI</title>
<style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1a2b3c}
code{font-size:.9em}section.job{border:1px solid #ccd;border-radius:6px;padding:.4rem 1rem;margin:1rem 0}
.outcome{font-weight:bold}.completed{color:#0a7a2f}.failed,.timed_out{color:#b00020}.pending{color:#666}
td,th{padding:.15rem .6rem .15rem 0;text-align:left;vertical-align:top}.error{color:#b00020}
</style></head><body>{{end}}

{{define "job"}}<section class="job" id="job-{{.JobID}}" data-job="{{.JobID}}" data-task="{{.TaskID}}"{{with .Result}} data-outcome="{{.Outcome}}"{{end}}>
<h2>Job <code>{{.JobID}}</code></h2>
<p>Followed by task <code>{{.TaskID}}</code>.</p>
{{with .Result}}<p class="outcome {{.Outcome}}">{{.Outcome}}</p>
<table>
<tr><th>connection</th><td><code class="connection">{{.ConnectionID}}</code>{{if .InstitutionID}} at {{.InstitutionID}}{{end}}</td></tr>
<tr><th>steps</th><td><ol class="steps">{{range steps .Steps}}<li>{{.Title}}: {{.Status}}</li>{{end}}</ol></td></tr>
<tr><th>accounts</th><td class="accounts">{{len .Accounts}}</td></tr>
{{with .Error}}<tr><th>error</th><td class="error"><code>{{.Code}}</code>{{if .Step}} at {{.Step}}{{end}}: {{.Title}}. {{.Detail}}{{if .CorrelationID}} (correlation id {{.CorrelationID}}){{end}}</td></tr>{{end}}
<tr><th>polls</th><td>{{.Polls}} in {{duration .}}</td></tr>
</table>
{{else}}<p class="outcome pending">The worker is following the job at Basiq…</p>
<ol class="steps"></ol><p class="mfa"></p>{{end}}
</section>{{end}}

{{define "page"}}{{template "head"}}
<h1>Back from the Consent UI</h1>
<p>The Consent UI sent user <code id="user">{{.UserID}}</code> back with {{len .Jobs}} job(s). basiq-dev, as an app
would, enqueued a follow of each (<code>tasks.Client.FollowJobs</code>); the worker polls each job at Basiq
without holding a slot and publishes its result, which shows below when it comes.</p>
{{range .Jobs}}{{template "job" .}}{{end}}
{{template "links" .}}
<script>
"use strict";
const after = {{.After}}, eventsPath = {{.EventsPath}}, jobPath = {{.JobPath}};
function follow(section) {
  const task = section.dataset.task;
  const es = new EventSource(eventsPath + "?task=" + encodeURIComponent(task) + "&after=" + encodeURIComponent(after));
  es.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data).progress, last = new Map(); // each step's last status
    for (const s of p.steps) last.set(s.title, s.status);
    section.querySelector(".steps").replaceChildren(...[...last].map(([title, status]) =>
      Object.assign(document.createElement("li"), {textContent: title + ": " + status})));
  });
  es.addEventListener("mfa_required", (e) => {
    const m = JSON.parse(e.data).mfa;
    section.querySelector(".mfa").textContent = "The bank asks for " + m.method + ": " + m.description;
  });
  es.addEventListener("result", async () => {
    es.close();
    for (let i = 0; i < 20; i++) { // the result is stored before it is published: one fetch is enough
      const r = await fetch(jobPath + "?task=" + encodeURIComponent(task));
      const t = document.createElement("template");
      t.innerHTML = (await r.text()).trim();
      const s = t.content.querySelector("section.job");
      if (r.ok && s && s.dataset.outcome) { section.replaceWith(s); return; }
      await new Promise((ok) => setTimeout(ok, 500));
    }
  });
}
document.querySelectorAll("section.job:not([data-outcome])").forEach(follow);
</script>
</body></html>{{end}}

{{define "links"}}<p><a href="{{.Connect}}?user={{.UserID}}" id="again">Connect another bank</a> ·
<a href="{{.Connect}}?user={{.UserID}}&amp;action=manage" id="manage">Manage or revoke the consent</a>
(basiq-dev prints the <code>consent_revoked</code> event that follows a revoke)</p>{{end}}

{{define "nojob"}}{{template "head"}}<h1>Back from the Consent UI</h1>
<p id="nojob">User <code id="user">{{.UserID}}</code> came back with no job to follow: a consent changed
on the manage page, or no bank connected.</p>
{{template "links" .}}</body></html>{{end}}

{{define "error"}}{{template "head"}}<h1>Back from the Consent UI</h1><p class="error" id="error">{{.}}</p>
<p><a href="` + connectPath + `">Start again</a></p></body></html>{{end}}
`))
