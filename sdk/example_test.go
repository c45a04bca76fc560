package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// exampleServer is a fake Basiq whose jobs finish quickly.
func exampleServer() *basiqtest.Server {
	return basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: 50 * time.Millisecond, Accounts: 50 * time.Millisecond, Transactions: 50 * time.Millisecond}))
}

func ExampleInstitutionsService_List() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c, err := sdk.Connect(ctx, "YOUR-API-KEY", sdk.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	banks, err := c.Institutions.List(ctx, sdk.Filter().Eq("institution.id", "AU00000"))
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range banks {
		fmt.Println(b.ID, b.Name)
	}
	// Output: AU00000 Hooli Bank
}

func ExampleJobsService_WaitForCredentials() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c, err := sdk.New("YOUR-API-KEY", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		log.Fatal(err)
	}
	user, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.Users.For(user.ID).CreateConnection(ctx, sdk.Credentials{
		Institution: "AU00000", LoginID: "gavinBelson", Password: "hooli2016"})
	if err != nil {
		log.Fatal(err)
	}
	conn, err := c.Jobs.WaitForCredentials(ctx, job.ID, sdk.WaitOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Institution.ID, conn.Status)

	// A wrong password fails the credentials step.
	job, _ = c.Users.For(user.ID).CreateConnection(ctx, sdk.Credentials{
		Institution: "AU00000", LoginID: "gavinBelson", Password: "wrong"})
	_, err = c.Jobs.WaitForCredentials(ctx, job.ID, sdk.WaitOptions{Interval: 20 * time.Millisecond})
	var stepErr *sdk.StepError
	if errors.As(err, &stepErr) {
		fmt.Println(stepErr.Step, stepErr.Code)
	}
	// Output:
	// AU00000 active
	// verify-credentials invalid-credentials
}

func ExampleUserHandle_Transactions() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	c, err := sdk.New("YOUR-API-KEY", sdk.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	user, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	if err != nil {
		log.Fatal(err)
	}
	u := c.Users.For(user.ID)
	job, err := u.CreateConnection(ctx, sdk.Credentials{Institution: "AU00000", LoginID: "gavinBelson", Password: "hooli2016"})
	if err != nil {
		log.Fatal(err)
	}
	conn, err := c.Jobs.WaitForTransactions(ctx, job.ID, sdk.WaitOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}

	debits := sdk.Filter().Eq("connection.id", conn.ID).Eq("transaction.direction", "debit")
	n, wrong := 0, 0
	for tx, err := range u.Transactions(ctx, debits, sdk.Limit(100)) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		if tx.Direction != "debit" {
			wrong++
		}
	}
	fmt.Println("found debits:", n > 0, "other directions:", wrong)
	// Output: found debits: true other directions: 0
}
