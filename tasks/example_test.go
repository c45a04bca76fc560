package tasks_test

import (
	"context"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// Reading every result from the start of the stream, resuming by StreamID
// (runWorker is in the example of Client).
func ExampleClient_ReadResults() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keyring, err := tasks.ParseKeyring("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		panic(err)
	}
	rdb, userID, stop := runWorker(ctx, keyring)
	defer stop()
	c := tasks.NewClient(rdb, keyring)
	for _, pw := range []string{"hooli2016", "wrong-password"} {
		id, err := c.CreateConnection(ctx, tasks.CreateConnection{UserID: userID, InstitutionID: "AU00000",
			Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: pw}})
		if err != nil {
			panic(err)
		}
		if _, err := c.Wait(ctx, id); err != nil {
			panic(err)
		}
	}

	after := "0"
	events, err := c.ReadResults(ctx, after, 100, 0)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Type, e.Result.Outcome)
		after = e.StreamID // persist this to resume later
	}
	// Output:
	// result completed
	// result failed
}
