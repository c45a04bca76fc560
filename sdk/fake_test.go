package sdk_test

import (
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

const fakeKey = "ZmFrZTpzZWNyZXQ="

// fastSteps keeps jobs short on a shared machine.
var fastSteps = basiqtest.StepDurations{Credentials: 30 * time.Millisecond, Accounts: 30 * time.Millisecond, Transactions: 30 * time.Millisecond}

// fastWait polls often, so that waits end soon after the job does.
var fastWait = sdk.WaitOptions{Interval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond, Timeout: 10 * time.Second}

// newFake starts a basiqtest server with fast steps and a client on it.
func newFake(t *testing.T, opts ...basiqtest.Option) (*basiqtest.Server, *sdk.Client) {
	t.Helper()
	srv := basiqtest.NewServer(append([]basiqtest.Option{basiqtest.WithAPIKey(fakeKey), basiqtest.WithStepDurations(fastSteps)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, fakeClient(t, srv)
}

func fakeClient(t *testing.T, srv *basiqtest.Server, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	c, err := sdk.New(fakeKey, append([]sdk.Option{sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"),
		sdk.WithRetryPolicy(sdk.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newUser(t *testing.T, c *sdk.Client) *sdk.UserHandle {
	t.Helper()
	u, err := c.Users.Create(ctxT(t), sdk.UserParams{Email: "gavin@hooli.com", Mobile: "+61410888999"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Users.For(u.ID)
}

var gavin = sdk.Credentials{Institution: "AU00000", LoginID: "gavinBelson", Password: "hooli2016"}

// connected returns a user with a connection whose job has finished.
func connected(t *testing.T, c *sdk.Client) (*sdk.UserHandle, *sdk.Connection) {
	t.Helper()
	u := newUser(t, c)
	job, err := u.CreateConnection(ctxT(t), gavin)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Jobs.WaitForTransactions(ctxT(t), job.ID, fastWait)
	if err != nil {
		t.Fatal(err)
	}
	return u, conn
}

// requests counts the server's answers to route with status.
func requests(srv *basiqtest.Server, route string, status int) int {
	return srv.Stats().Requests[route][status]
}
