package sdk_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

const appBack = "http://app.test/back"

func TestFake3_ClientToken(t *testing.T) {
	srv, c := newFake3(t)
	a, b := newUser(t, c), newUser(t, c) // one server token
	var wg sync.WaitGroup
	for i := range 40 {
		u := []*sdk.UserHandle{a, b}[i%2]
		wg.Go(func() {
			if _, err := u.ClientToken(ctxT(t)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.Stats().TokensIssued; got != 3 {
		t.Fatalf("got %d tokens issued, want 3 (the server's and one per user)", got)
	}
	var apiErr *sdk.Error
	if _, err := c.Users.For("no-such-user").ClientToken(ctxT(t)); !errors.As(err, &apiErr) || apiErr.Code() != "parameter-not-valid" {
		t.Fatalf("unknown user: got %v, want 400 parameter-not-valid", err)
	}
}

func TestFake3_credentialsRefused(t *testing.T) {
	_, c := newFake3(t)
	_, err := newUser(t, c).CreateConnection(ctxT(t), gavin)
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code() != "forbidden-access" {
		t.Fatalf("got %v, want 403 forbidden-access: 3.0 connects through the Consent UI", err)
	}
}

func TestFake3_consentJobsEvents(t *testing.T) {
	srv, c := newFake3(t, basiqtest.WithConsentRedirect(appBack))
	u, jobID := consented(t, srv, c, appBack)
	conn, err := c.Jobs.WaitForTransactions(ctxT(t), jobID, fastWait)
	if err != nil || conn.Status != sdk.ConnectionActive {
		t.Fatalf("got %+v, %v; want an active connection", conn, err)
	}
	var jobs []string
	for j, err := range u.AllJobs(ctxT(t), sdk.Filter().Eq("connection.id", conn.ID), sdk.Limit(1)) {
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j.ID)
	}
	if len(jobs) != 1 || jobs[0] != jobID {
		t.Fatalf("got jobs %v of the connection, want [%s]", jobs, jobID)
	}
	consents, err := u.Consents(ctxT(t))
	if err != nil || len(consents) != 1 || consents[0].Status != sdk.ConsentActive || len(consents[0].Data.Permissions) == 0 {
		t.Fatalf("got %+v, %v; want one active consent with permissions", consents, err)
	}
	types := eventTypes(t, c, u.ID())
	for _, want := range []sdk.EventType{sdk.EventUserCreated, sdk.EventConsentCreated, sdk.EventConnectionCreated, sdk.EventTransactionsUpdated} {
		if !hasType(types, want) {
			t.Errorf("events %v: no %s", types, want)
		}
	}
	page, err := c.Events.List(ctxT(t), sdk.Filter().Eq("user.id", u.ID()), sdk.Limit(1))
	if err != nil || len(page.Data) != 1 || !page.HasNext() {
		t.Fatalf("got %+v, %v; want a page of one event with a next page", page, err)
	}
	ev, err := c.Events.Get(ctxT(t), page.Data[0].ID)
	if err != nil || ev.ID != page.Data[0].ID || ev.Type != page.Data[0].Type || len(ev.Data) == 0 {
		t.Fatalf("got %+v, %v; want event %s with its data", ev, err, page.Data[0].ID)
	}
	createdEvents := 0
	for ev, err := range c.Events.All(ctxT(t), sdk.Filter().Eq("user.id", u.ID()).Eq("event.entity", "connection").Eq("event.type", "created")) {
		if err != nil {
			t.Fatal(err)
		}
		createdEvents++
		var got sdk.Connection
		if err := ev.DecodeData(&got); err != nil || got.ID != conn.ID || ev.ConnectionID() != conn.ID {
			t.Fatalf("connection.created data %+v, %v; want connection %s", got, err, conn.ID)
		}
	}
	if createdEvents != 1 {
		t.Fatalf("got %d connection.created events, want 1", createdEvents)
	}
	if err := (&sdk.Event{ID: "e"}).DecodeData(new(sdk.Connection)); !errors.Is(err, sdk.ErrNoEventData) {
		t.Fatalf("no data: got %v, want ErrNoEventData", err)
	}
	if err := u.RevokeConsent(ctxT(t), consents[0].ID); err != nil {
		t.Fatal(err)
	}
	after, err := u.Connection(conn.ID).Get(ctxT(t))
	if err != nil || after.Status != sdk.ConnectionInvalid || !hasType(eventTypes(t, c, u.ID()), sdk.EventConsentRevoked) {
		t.Fatalf("after revoking: connection %+v, %v; want it invalid and a consent.revoked event", after, err)
	}
}

func TestFake3_EventTypes(t *testing.T) {
	_, c := newFake3(t)
	types, err := c.Events.Types(ctxT(t))
	if err != nil || len(types) != len(sdk.EventTypes()) {
		t.Fatalf("got %d types, %v; want %d", len(types), err, len(sdk.EventTypes()))
	}
	for _, ty := range types {
		if !ty.ID.Known() || ty.Description == "" {
			t.Errorf("type %+v: want a known type with a description", ty)
		}
	}
	one, err := c.Events.Type(ctxT(t), sdk.EventConsentRevoked)
	if err != nil || one.ID != sdk.EventConsentRevoked {
		t.Fatalf("got %+v, %v; want consent.revoked", one, err)
	}
	if _, err := c.Events.Type(ctxT(t), "job.updated"); !sdk.IsNotFound(err) {
		t.Fatalf("job.updated: got %v, want 404", err)
	}
}

func TestFake3_MFA(t *testing.T) {
	srv, c := newFake3(t)
	u := newUser(t, c)
	res := mockConsent(t, srv, u.ID(), "AU00001", "richard", "tabsnotspaces")
	waitMFA(t, c, res.JobID)
	// The server token cannot answer under 3.0; Jobs.SubmitMFA finds the job's user
	// and answers with its client token.
	if _, err := c.Jobs.SubmitMFA(ctxT(t), res.JobID, "1234"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.WaitForTransactions(ctxT(t), res.JobID, fastWait); err != nil {
		t.Fatal(err)
	}
	if got := requests(srv, "POST /jobs/{id}/mfa", 403); got != 0 {
		t.Fatalf("got %d refused MFA answers, want 0", got)
	}
	if _, err := u.ClientToken(ctxT(t)); err != nil || srv.Stats().TokensIssued != 2 {
		t.Fatalf("got %d tokens issued, %v; want 2: the server's, and the user's client token fetched once", srv.Stats().TokensIssued, err)
	}
}

func TestFake3_AuthLinks(t *testing.T) {
	_, c := newFake3(t)
	u := newUser(t, c)
	created, err := u.CreateAuthLink(ctxT(t), sdk.AuthLinkParams{})
	if err != nil || created.Links.Public == "" || created.Mobile == "" || created.ExpiresAt.IsZero() {
		t.Fatalf("got %+v, %v; want a public link to the user's mobile with an expiry", created, err)
	}
	got, err := u.AuthLink(ctxT(t))
	if err != nil || got.ID == "" || got.Links.Public != created.Links.Public {
		t.Fatalf("got %+v, %v; want the link just made", got, err)
	}
	if err := u.DeleteAuthLink(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	var apiErr *sdk.Error
	if _, err := u.AuthLink(ctxT(t)); !errors.As(err, &apiErr) || apiErr.StatusCode != 410 {
		t.Fatalf("after delete: got %v, want 410: the link was cancelled", err)
	}
	if _, err := newUser(t, c).AuthLink(ctxT(t)); !sdk.IsNotFound(err) {
		t.Fatalf("a user without a link: got %v, want 404", err)
	}
}

func TestFake3_Connectors(t *testing.T) {
	_, c := newFake3(t)
	web, err := c.Connectors.List(ctxT(t), sdk.Filter().Eq("connector.method", sdk.MethodWeb))
	if err != nil || len(web) == 0 {
		t.Fatalf("got %d web connectors, %v; want some", len(web), err)
	}
	hooli, err := c.Connectors.Get(ctxT(t), "AU00000", sdk.MethodWeb)
	if err != nil {
		t.Fatal(err)
	}
	d := hooli.Stats.AverageDurationMs
	if d == nil || d.VerifyCredentials != float64(fastSteps.Credentials.Milliseconds()) || d.RetrieveMeta != 0 || d.Total == 0 {
		t.Fatalf("got stats %+v, want the fake's step durations, retrieveMeta unknown (0)", d)
	}
	pdf, err := c.Connectors.Get(ctxT(t), "AU00201", sdk.MethodPDF)
	if err != nil {
		t.Fatal(err)
	}
	if d := pdf.Stats.AverageDurationMs; d != nil && (d.VerifyCredentials != 0 || d.Total != 0) {
		t.Fatalf("pdf connector: got stats %+v, want none known", d)
	}
	if _, err := c.Connectors.Get(ctxT(t), "AU00000", "carrier-pigeon"); !sdk.IsNotFound(err) {
		t.Fatalf("unknown method: got %v, want 404", err)
	}
}

func TestFake3_purge(t *testing.T) {
	srv, c := newFake3(t, basiqtest.WithConsentRedirect(appBack))
	u, jobID := consented(t, srv, c, appBack)
	conn, err := c.Jobs.WaitForTransactions(ctxT(t), jobID, fastWait)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Connection(conn.ID).Purge(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	accts, err := u.Accounts(ctxT(t), sdk.Filter().Eq("connection.id", conn.ID))
	if err != nil || len(accts) != 0 {
		t.Fatalf("after purge: got %d accounts, %v; want none", len(accts), err)
	}
}

func TestFake3_UploadStatement(t *testing.T) {
	_, c := newFake3(t)
	u := newUser(t, c)
	job, err := u.UploadStatement(ctxT(t), sdk.Statement{InstitutionID: "AU00201", FileName: "march.pdf",
		Content: bytes.NewReader([]byte("%PDF-1.7\n% a statement\n"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.WaitForTransactions(ctxT(t), job.ID, fastWait); err != nil {
		t.Fatal(err)
	}
	j, err := c.Jobs.Get(ctxT(t), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := j.Step(sdk.StepRetrieveStatements); !ok || s.Status != sdk.StatusSuccess {
		t.Fatalf("got steps %+v, want retrieve-statements succeeded", j.Steps)
	}
	_, err = u.UploadStatement(ctxT(t), sdk.Statement{InstitutionID: "AU00201", FileName: "fake.pdf", Content: bytes.NewReader([]byte("not a pdf"))})
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Fatalf("a PDF without its header: got %v, want 400", err)
	}
}
