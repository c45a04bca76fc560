package sdk_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// example3 starts a fake Basiq whose Consent UI redirects to the app's
// /back, and a 3.0 client on it whose Consent UI links point at the fake.
func example3(opts ...basiqtest.Option) (*basiqtest.Server, *sdk.Client) {
	srv := basiqtest.NewServer(append([]basiqtest.Option{basiqtest.WithConsentRedirect("https://app.example/back"),
		basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: 30 * time.Millisecond,
			Accounts: 30 * time.Millisecond, Transactions: 30 * time.Millisecond})}, opts...)...)
	c, err := sdk.New("YOUR-API-KEY", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("3.0"),
		sdk.WithConsentURL(srv.URL+"/consent")) // leave WithConsentURL out against Basiq
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

var exampleWait = sdk.WaitOptions{Interval: 20 * time.Millisecond}

// The consent flow of API 3.0: the app sends the user to the Consent UI,
// the user connects a bank there, the UI redirects back with the job ids,
// and the app follows each job.
func ExampleUserHandle_ConsentURL() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com", Mobile: "+61410888999"})
	if err != nil {
		log.Fatal(err)
	}
	// 1. The link holds a CLIENT_ACCESS token bound to the user: send it to
	// the user's browser only.
	link, err := c.Users.For(user.ID).ConsentURL(ctx, sdk.ConsentOptions{State: "checkout-42", InstitutionID: "AU00000"})
	if err != nil {
		log.Fatal(err)
	}
	// 2. The user logs in to the bank in the Consent UI (here: a form
	// submitted as the browser would), which redirects to the app.
	back, err := userConnects(link, "", "gavinBelson", "hooli2016")
	if err != nil {
		log.Fatal(err)
	}
	// 3. The app's redirect handler reads the job ids and follows them.
	res, err := sdk.ParseConsentRedirect(back)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", res.State, "jobs:", len(res.JobIDs))
	for _, id := range res.JobIDs {
		conn, err := c.Jobs.WaitForTransactions(ctx, id, exampleWait)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(conn.Institution.ID, conn.Status)
	}
	// Output:
	// state: checkout-42 jobs: 1
	// AU00000 active
}

func ExampleUserHandle_Consents() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	u := c.Users.For(user.ID)
	link, _ := u.ConsentURL(ctx, sdk.ConsentOptions{InstitutionID: "AU00000"})
	if _, err := userConnects(link, "", "gavinBelson", "hooli2016"); err != nil {
		log.Fatal(err)
	}
	consents, err := u.Consents(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, cs := range consents {
		fmt.Println(cs.Status, cs.ExpiryDate.Sub(cs.Created).Hours()/24, "days")
		if err := u.RevokeConsent(ctx, cs.ID); err != nil { // Basiq emits consent.revoked
			log.Fatal(err)
		}
	}
	consents, _ = u.Consents(ctx)
	fmt.Println(consents[0].Status)
	// Output:
	// active 365 days
	// revoked
}

func ExampleWebhookVerifier() {
	srv, c := example3(basiqtest.WithWebhookRetries(10 * time.Millisecond))
	defer srv.Close()
	ctx := context.Background()

	// The app's webhook endpoint: verify, then decode.
	var verifier *sdk.WebhookVerifier
	events := make(chan *sdk.Event, 8)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := verifier.Event(r)
		if err != nil {
			http.Error(w, "not from Basiq", http.StatusUnauthorized)
			return
		}
		events <- ev // answer 2xx at once; work elsewhere, deduplicating on ev.ID
	}))
	defer app.Close()

	hook, err := c.Webhooks.Create(ctx, sdk.WebhookParams{URL: app.URL + "/basiq",
		SubscribedEvents: []sdk.EventType{sdk.EventConnectionCreated}})
	if err != nil {
		log.Fatal(err)
	}
	// Keep the secret (shown once); while rotating, pass the old and new ones.
	if verifier, err = sdk.NewWebhookVerifier(hook.Secret); err != nil {
		log.Fatal(err)
	}
	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	link, _ := c.Users.For(user.ID).ConsentURL(ctx, sdk.ConsentOptions{InstitutionID: "AU00000"})
	if _, err := userConnects(link, "", "gavinBelson", "hooli2016"); err != nil {
		log.Fatal(err)
	}
	ev := <-events
	fmt.Println(ev.Type, ev.Type.Known(), ev.UserID == user.ID, ev.ConnectionID() != "")
	// Output: connection.created true true true
}

func ExampleDecodeEvent() {
	body := []byte(`{"eventId":"e-1","eventTypeId":"consent.revoked","links":{"event":"https://au-api.basiq.io/events/e-1",
		"eventEntity":"https://au-api.basiq.io/users/u-1/consents/cs-1"}}`)
	ev, err := sdk.DecodeEvent(body)
	if err != nil {
		log.Fatal(err)
	}
	switch ev.Type {
	case sdk.EventConsentRevoked, sdk.EventConsentExpired:
		fmt.Println("delete the data of user", ev.UserID, "consent", ev.ConsentID())
	default:
		if !ev.Type.Known() {
			fmt.Println("ignore", ev.Type)
		}
	}
	// Output: delete the data of user u-1 consent cs-1
}

func ExampleSignWebhook() {
	// A receiver's test signs a body as Basiq would and checks the verifier.
	secret, body, now := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", []byte(`{"eventId":"e-1"}`), time.Now()
	sig, _ := sdk.SignWebhook(secret, "msg-1", now, body)
	h := http.Header{}
	h.Set(sdk.HeaderWebhookID, "msg-1")
	h.Set(sdk.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(sdk.HeaderWebhookSignature, sig)
	v, _ := sdk.NewWebhookVerifier(secret)
	fmt.Println(v.Verify(h, body))
	fmt.Println(v.Verify(h, []byte(`{"eventId":"e-2"}`)))
	// Output:
	// <nil>
	// sdk: webhook: no matching signature
}

func ExampleEventsService_All() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	for ev, err := range c.Events.All(ctx, sdk.Filter().Eq("user.id", user.ID)) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Type)
	}
	// Output: user.created
}

func ExampleJobsService_SubmitMFA() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "richard@piedpiper.com"})
	link, _ := c.Users.For(user.ID).ConsentURL(ctx, sdk.ConsentOptions{InstitutionID: "AU00001"})
	if _, err := userConnects(link, "", "richard", "tabsnotspaces"); err == nil {
		log.Fatal("want the MFA page, not a redirect")
	}
	// The user left at the MFA prompt; the app answers for the job it
	// finds in the user's jobs (under 3.0 with the user's client token).
	for job, err := range c.Users.For(user.ID).AllJobs(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		for !isChallenged(job) {
			time.Sleep(10 * time.Millisecond)
			job, _ = c.Jobs.Get(ctx, job.ID)
		}
		if _, err := c.Jobs.SubmitMFA(ctx, job.ID, "1234"); err != nil {
			log.Fatal(err)
		}
		conn, err := c.Jobs.WaitForTransactions(ctx, job.ID, exampleWait)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(conn.Institution.ID, conn.Status)
	}
	// Output: AU00001 active
}

func isChallenged(j *sdk.Job) bool {
	s, ok := j.Step(sdk.StepMFAChallenge)
	return ok && s.Status == sdk.StatusInProgress
}

func ExampleConnectorsService_Get() {
	srv, c := example3()
	defer srv.Close()

	conn, err := c.Connectors.Get(context.Background(), "AU00000", sdk.MethodWeb)
	if err != nil {
		log.Fatal(err)
	}
	if d := conn.Stats.AverageDurationMs; d != nil { // nil while Basiq has no figures
		fmt.Println(conn.Institution.Name, "verifies credentials in about", time.Duration(d.VerifyCredentials)*time.Millisecond)
	}
	// Output: Hooli Bank verifies credentials in about 30ms
}

func ExampleUserHandle_UploadStatement() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	job, err := c.Users.For(user.ID).UploadStatement(ctx, sdk.Statement{InstitutionID: "AU00201",
		FileName: "march.pdf", Content: bytes.NewReader([]byte("%PDF-1.7\n..."))})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Jobs.WaitForTransactions(ctx, job.ID, exampleWait); err != nil {
		log.Fatal(err)
	}
	j, _ := c.Jobs.Get(ctx, job.ID)
	s, _ := j.Step(sdk.StepRetrieveStatements)
	fmt.Println(s.Title, s.Status)
	// Output: retrieve-statements success
}

func ExampleUserHandle_CreateAuthLink() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Mobile: "+61410888999"})
	link, err := c.Users.For(user.ID).CreateAuthLink(ctx, sdk.AuthLinkParams{}) // Basiq texts it to the user's mobile
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(link.Mobile, link.ExpiresAt.Sub(time.Now()).Round(time.Hour))
	// Output: +61410888999 168h0m0s
}
