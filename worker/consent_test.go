package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
)

const refreshRoute = "POST /users/{uid}/connections/{cid}/refresh"
const refreshAllRoute = "POST /users/{uid}/connections/refresh"

// nextEvent reads the results stream from after until an event matches,
// and returns it with its stream position.
func (h *harness) nextEvent(after string, d time.Duration, match func(tasks.Event) bool) tasks.Event {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for e, err := range h.sub.Results(ctx, after) {
		if err != nil {
			h.t.Fatalf("no matching event within %s: %v", d, err)
		}
		if match(e) {
			return e
		}
	}
	h.t.Fatal("results stream ended")
	return tasks.Event{}
}

func consentOf(e tasks.Event, user string) bool {
	return e.Type == tasks.EventConsentRevoked && e.Basiq.UserID == user
}

// activeConsent is the id of user's active consent at the fake.
func (h *harness) activeConsent(user string) string {
	h.t.Helper()
	cs, err := h.api.Users.For(user).Consents(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Status == sdk.ConsentActive {
			return c.ID
		}
	}
	h.t.Fatalf("user %s has no active consent: %v", user, cs)
	return ""
}

// TestRefresh_consentRevokedMidFollow: the user revokes their consent while
// the worker follows their job; Basiq's consent.revoked webhook reaches the
// worker, which relays consent_revoked and sends no refresh of the user's
// connections afterwards (one connection, all, or scheduled), each refused
// with consent-revoked; a new consent (consent.created) lets them through
// again.
func TestRefresh_consentRevokedMidFollow(t *testing.T) {
	h := newHarness3(t, fastSteps)
	h.hooked(sdk.EventConsentRevoked, sdk.EventConsentCreated)
	h.start()
	user := h.user()
	jobs := consentJourney(t, h.srv, user, "AU00000")
	follow := h.followJobs(user, jobs)
	consent := h.activeConsent(user)
	if err := h.api.Users.For(user).RevokeConsent(context.Background(), consent); err != nil { // mid-follow: steps take 600 ms
		t.Fatal(err)
	}
	revokedAt := time.Now()
	ev := h.nextEvent("0", 15*time.Second, func(e tasks.Event) bool { return consentOf(e, user) })
	t.Logf("consent_revoked relayed %s after the revocation", time.Since(revokedAt).Round(time.Millisecond))
	if ev.Basiq.ConsentID != consent || ev.Basiq.Type != string(sdk.EventConsentRevoked) || ev.Basiq.Purge != nil {
		t.Errorf("consent_revoked = %+v, want consent %s, no purge (off by default)", ev.Basiq, consent)
	}
	r := h.wait(follow, 15*time.Second)
	if !r.FinishedAt.After(revokedAt) {
		t.Errorf("the follow ended at %s, before the revocation at %s: not mid-follow", r.FinishedAt, revokedAt)
	}
	conn := r.ConnectionID
	if conn == "" {
		conn = jobConnection(t, h, jobs[0])
	}
	before := h.calls(refreshRoute) + h.calls(refreshAllRoute)
	one, err := h.client.RefreshConnection(context.Background(), tasks.RefreshConnection{UserID: user, ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	all, err := h.client.RefreshAll(context.Background(), tasks.RefreshAll{UserID: user})
	if err != nil {
		t.Fatal(err)
	}
	sched := h.enqueueScheduled(tasks.RefreshSchedule{ID: "user:" + user, UserID: user}, 1)
	for _, id := range []string{one, all, sched} {
		r := h.wait(id, 15*time.Second)
		if r.Outcome != tasks.OutcomeFailed || r.Error == nil || r.Error.Code != tasks.CodeConsentRevoked ||
			!strings.Contains(r.Error.Detail, consent) || !strings.Contains(r.Error.Detail, "not sent to Basiq") || r.JobID != "" {
			t.Errorf("refresh %s: %+v (error %+v), want failed consent-revoked naming consent %s, no job", id, r, r.Error, consent)
		}
	}
	if n := h.calls(refreshRoute) + h.calls(refreshAllRoute) - before; n != 0 {
		t.Errorf("refreshes sent after the revocation = %d, want 0", n)
	}
	// The user consents again: consent.created lets the refreshes through.
	consentJourney(t, h.srv, user, "AU00000")
	hd := newHandlers(mustDefaults(t, h.cfg), nil)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s, ok, err := hd.loadConsent(context.Background(), user)
		if err == nil && ok && s.Status == sdk.ConsentActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consent of %s after a new journey: %+v, %v, %v; want active", user, s, ok, err)
		}
	}
	again, err := h.client.RefreshConnection(context.Background(), tasks.RefreshConnection{UserID: user, ConnectionID: conn})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.wait(again, 15*time.Second); r.Error != nil && r.Error.Code == tasks.CodeConsentRevoked {
		t.Errorf("refresh after a new consent: %+v, want it sent", r.Error)
	}
	if n := h.calls(refreshRoute); n != 1 {
		t.Errorf("refreshes sent after the new consent = %d, want 1", n)
	}
}

// jobConnection is the connection of a job, read at the fake.
func jobConnection(t *testing.T, h *harness, jobID string) string {
	t.Helper()
	j, err := h.api.Jobs.Get(context.Background(), jobID)
	if err != nil || j.ConnectionID() == "" {
		t.Fatalf("job %s: %v, connection %q", jobID, err, j.ConnectionID())
	}
	return j.ConnectionID()
}

func mustDefaults(t *testing.T, c Config) Config {
	t.Helper()
	c, err := c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRefresh_consentLookup: without Basiq's webhooks, ConsentLookup reads
// the user's consents from Basiq, once per interval: an expired consent
// refuses the refresh, and a second refresh within the interval costs no
// second look.
func TestRefresh_consentLookup(t *testing.T) {
	h := newHarness3(t)
	h.cfg.ConsentLookup = time.Hour
	h.start()
	user := h.user()
	jobs := consentJourney(t, h.srv, user, "AU00000")
	r := h.wait(h.followJobs(user, jobs), 15*time.Second)
	consent := h.activeConsent(user)
	if err := h.srv.ExpireConsent(user, consent); err != nil {
		t.Fatal(err)
	}
	testLooks := h.calls("GET /users/{uid}/consents") // the test's own
	for i := range 2 {
		id, err := h.client.RefreshAll(context.Background(), tasks.RefreshAll{UserID: user})
		if err != nil {
			t.Fatal(err)
		}
		res := h.wait(id, 15*time.Second)
		if res.Outcome != tasks.OutcomeFailed || res.Error == nil || res.Error.Code != tasks.CodeConsentExpired ||
			!strings.Contains(res.Error.Detail, "GET /users/"+user+"/consents") {
			t.Errorf("refresh %d of %s: %+v (error %+v), want failed consent-expired, learnt from the API", i, r.ConnectionID, res, res.Error)
		}
	}
	looks, sent := h.calls("GET /users/{uid}/consents")-testLooks, h.calls(refreshAllRoute)
	t.Logf("2 refreshes of an expired consent: %d looks at the consents, %d refreshes sent", looks, sent)
	if looks != 1 || sent != 0 {
		t.Errorf("consent looks = %d, refreshes sent = %d; want 1, 0", looks, sent)
	}
}

// TestRefresh_purgeOnConsentEnd: with PurgeOnConsentEnd a consent.expired
// deletes the user's connections at Basiq and the consent_revoked event
// names them; the event handled again deletes nothing more and publishes
// nothing new.
func TestRefresh_purgeOnConsentEnd(t *testing.T) {
	h := newHarness3(t)
	h.cfg.PurgeOnConsentEnd = true
	h.hooked(sdk.EventConsentExpired)
	h.start()
	user := h.user()
	var conns []string
	for _, inst := range []string{"AU00000", "AU00201"} {
		r := h.wait(h.followJobs(user, consentJourney(t, h.srv, user, inst)), 15*time.Second)
		conns = append(conns, r.ConnectionID)
	}
	if err := h.srv.ExpireConsent(user, h.activeConsent(user)); err != nil {
		t.Fatal(err)
	}
	ev := h.nextEvent("0", 15*time.Second, func(e tasks.Event) bool { return consentOf(e, user) })
	if ev.Basiq.Purge == nil {
		t.Fatalf("consent_revoked = %+v, want a purge report", ev.Basiq)
	}
	got := strings.Join(ev.Basiq.Purge.Deleted, ",")
	if want := strings.Join(sortedCopy(conns), ","); got != want || ev.Basiq.Purge.Error != "" {
		t.Errorf("purge deleted %q (error %q), want %q", got, ev.Basiq.Purge.Error, want)
	}
	left, err := h.api.Connections.List(context.Background(), user, nil)
	if err != nil || len(left) != 0 {
		t.Errorf("connections left at Basiq: %v, %v; want none", left, err)
	}
	deletes := h.calls("DELETE /users/{uid}/connections/{cid}")
	if deletes != 2 {
		t.Errorf("deletes = %d, want 2", deletes)
	}
	// Once more, as a redelivered event task would.
	before := len(h.events())
	hd := newHandlers(mustDefaults(t, h.cfg), nil)
	insp := asynq.NewInspectorFromRedisClient(h.rdb)
	done, err := insp.ListCompletedTasks(h.queue, asynq.PageSize(1000))
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, ti := range done {
		if ti.Type == basiqhooks.TypeEvent && strings.Contains(string(ti.Payload), "consent.expired") {
			ctx := context.WithValue(context.Background(), attemptKey{}, attempt{taskID: ti.ID, queue: h.queue})
			if err := hd.BasiqEvent(ctx, asynq.NewTask(ti.Type, ti.Payload)); err != nil {
				t.Errorf("event task run again: %v", err)
			}
			ran++
		}
	}
	if ran != 1 {
		t.Errorf("consent.expired event tasks found = %d, want 1", ran)
	}
	if n := h.calls("DELETE /users/{uid}/connections/{cid}"); n != deletes {
		t.Errorf("deletes after the event ran again = %d, want %d", n, deletes)
	}
	if n := len(h.events()); n != before {
		t.Errorf("events after the event ran again = %d, want %d", n, before)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// enqueueScheduled enqueues tick n of sc as the refresh scheduler does
// (worker/schedule: the schedule's task, marked scheduled) and returns its
// task id.
func (h *harness) enqueueScheduled(sc tasks.RefreshSchedule, n int) string {
	h.t.Helper()
	task, err := sc.Task()
	if err != nil {
		h.t.Fatal(err)
	}
	id := fmt.Sprintf("schedule:%s:%d:%d", sc.ID, sc.CreatedAt.UnixMilli(), n)
	c := asynq.NewClientFromRedisClient(h.rdb)
	if _, err := c.Enqueue(task, asynq.TaskID(id), asynq.Queue(h.queue), asynq.Retention(time.Hour)); err != nil {
		h.t.Fatal(err)
	}
	return id
}
