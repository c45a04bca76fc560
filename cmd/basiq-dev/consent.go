package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
)

// Paths of basiq-dev's own pages on the admin server (the partner app's
// side of the API 3.0 journey).
const (
	callbackPath = "/callback"        // the Consent UI redirects here with jobIds and state
	eventsPath   = "/callback/events" // the callback page's SSE: one follow task's progress and result
	jobPath      = "/callback/job"    // one job's section of the callback page, server-rendered
	connectPath  = "/connect"         // a fresh Consent UI link (?user=, ?action=manage)
)

// followKeyPrefix prefixes the idempotency key of the follow the callback
// page enqueues for a job: "consent:<job id>", so that a page loaded
// twice (a reload, the back button) follows the job once.
const followKeyPrefix = "consent:"

// followTaskID is the id of the follow task the callback enqueues for jobID.
func followTaskID(jobID string) string {
	return tasks.TaskID(tasks.TypeFollowJobs, followKeyPrefix+jobID)
}

// isCallbackTask reports whether taskID is a follow the callback enqueued.
func isCallbackTask(taskID string) bool {
	return strings.HasPrefix(taskID, tasks.TaskID(tasks.TypeFollowJobs, followKeyPrefix))
}

// hookEvents are the Basiq events basiq-dev subscribes its worker to:
// those the worker acts on (worker.Handlers.BasiqEvent).
var hookEvents = []sdk.EventType{sdk.EventConnectionCreated, sdk.EventTransactionsUpdated, sdk.EventAccountUpdated,
	sdk.EventConnectionInvalidated, sdk.EventConnectionActivated, sdk.EventConnectionDeleted,
	sdk.EventConsentRevoked, sdk.EventConsentExpired}

// journeys is what the API 3.0 journey needs on the app's side: the
// Basiq users whose Consent UI visits basiq-dev started (by the state it
// gave each link) and the demo user of the banner.
type journeys struct {
	basiq *sdk.Client // API 3.0, with the fake's Consent UI

	mu     sync.Mutex
	states map[string]string // state -> user id

	demoUser string
	demoLink string // the banner's Consent UI link for demoUser
	hookID   string // the fake's webhook subscription
}

func newJourneys(basiq *sdk.Client) *journeys {
	return &journeys{basiq: basiq, states: map[string]string{}}
}

// newState returns a fresh, unguessable state for a visit of userID.
func (j *journeys) newState(userID string) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := hex.EncodeToString(b)
	j.remember(s, userID)
	return s, nil
}

// remember records state as a visit of userID (a state the app chose).
func (j *journeys) remember(state, userID string) {
	j.mu.Lock()
	j.states[state] = userID
	j.mu.Unlock()
}

// user returns the user of a visit's state, "" when basiq-dev gave no such state.
func (j *journeys) user(state string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.states[state]
}

// newUser creates a Basiq user at the fake.
func (j *journeys) newUser(ctx context.Context, email string) (string, error) {
	u, err := j.basiq.Users.Create(ctx, sdk.UserParams{Email: email, FirstName: "Demo"})
	if err != nil {
		return "", fmt.Errorf("create user: %w", err)
	}
	return u.ID, nil
}

// link returns a Consent UI link for userID with a new state, for action
// ("" connects a bank; sdk.ConsentActionManage shows, extends or revokes
// the consent).
func (j *journeys) link(ctx context.Context, userID, action string) (string, error) {
	state, err := j.newState(userID)
	if err != nil {
		return "", err
	}
	return j.basiq.Users.For(userID).ConsentURL(ctx, sdk.ConsentOptions{State: state, Action: action})
}

// known reports whether a link basiq-dev made was for userID.
func (j *journeys) known(userID string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, u := range j.states {
		if u == userID {
			return true
		}
	}
	return false
}

// start creates the demo user and its link, and subscribes hookURL (the
// worker's receiver) to Basiq's events; it returns the subscription's
// secret.
func (j *journeys) start(ctx context.Context, hookURL string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	hook, err := j.basiq.Webhooks.Create(ctx, sdk.WebhookParams{URL: hookURL, Name: "basiq-dev",
		Description: "the worker's receiver of Basiq's webhooks", SubscribedEvents: hookEvents})
	if err != nil {
		return "", fmt.Errorf("subscribe the worker to Basiq's webhooks: %w", err)
	}
	j.hookID = hook.ID
	if j.demoUser, err = j.newUser(ctx, "demo@example.com"); err != nil {
		return "", err
	}
	if j.demoLink, err = j.link(ctx, j.demoUser, ""); err != nil {
		return "", fmt.Errorf("consent link: %w", err)
	}
	return hook.Secret, nil
}

// hookSecrets are the receiver's secrets: the subscription's, then those
// of BASIQ_WEBHOOK_SECRET (comma-separated), to sign deliveries of one's own.
func hookSecrets(sub string, getenv func(string) string) []string {
	out := []string{sub}
	for s := range strings.SplitSeq(getenv("BASIQ_WEBHOOK_SECRET"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// hookPath is where the worker receives Basiq's webhooks.
const hookPath = basiqhooks.DefaultPath
