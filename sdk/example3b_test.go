package sdk_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func ExampleUserHandle_ClientToken() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	// Hand the token to the user's own front end (it reaches only that
	// user's resources). Concurrent callers share one token request.
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.Users.For(user.ID).ClientToken(ctx); err != nil {
				log.Fatal(err)
			}
		})
	}
	wg.Wait()
	fmt.Println("tokens issued:", srv.Stats().TokensIssued) // the server's and the user's
	// Output: tokens issued: 2
}

func ExampleJobsService_ListPage() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	u := c.Users.For(user.ID)
	bankOf := map[string]string{} // job id -> bank
	for _, bank := range []string{"AU00000", "AU00301"} {
		link, _ := u.ConsentURL(ctx, sdk.ConsentOptions{InstitutionID: bank})
		back, err := userConnects(link, "", "jared", "django")
		if err != nil {
			log.Fatal(err)
		}
		res, _ := sdk.ParseConsentRedirect(back)
		bankOf[res.JobIDs[0]] = bank
	}
	page, err := c.Jobs.ListPage(ctx, user.ID, nil, sdk.Limit(1)) // newest first
	for page != nil && err == nil {
		for _, j := range page.Data {
			fmt.Println(bankOf[j.ID])
		}
		page, err = c.Jobs.Next(ctx, page)
	}
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// AU00301
	// AU00000
}

func ExampleConnectionHandle_Purge() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	user, _ := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
	u := c.Users.For(user.ID)
	link, _ := u.ConsentURL(ctx, sdk.ConsentOptions{InstitutionID: "AU00000"})
	back, _ := userConnects(link, "", "gavinBelson", "hooli2016")
	res, _ := sdk.ParseConsentRedirect(back)
	conn, err := c.Jobs.WaitForTransactions(ctx, res.JobIDs[0], exampleWait)
	if err != nil {
		log.Fatal(err)
	}
	before, _ := u.Accounts(ctx, sdk.Filter().Eq("connection.id", conn.ID))
	if err := u.Connection(conn.ID).Purge(ctx); err != nil { // Basiq deletes the data it kept
		log.Fatal(err)
	}
	after, _ := u.Accounts(ctx, sdk.Filter().Eq("connection.id", conn.ID))
	fmt.Println(len(before) > 0, len(after))
	// Output: true 0
}

func ExampleWebhooksService_Update() {
	srv, c := example3()
	defer srv.Close()
	ctx := context.Background()

	hook, err := c.Webhooks.Create(ctx, sdk.WebhookParams{URL: "https://app.example/basiq"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("secret printed:", strings.Contains(fmt.Sprint(hook), hook.Secret)) // redacted
	if _, err := c.Webhooks.Update(ctx, hook.ID, sdk.WebhookParams{URL: "https://app.example/basiq",
		SubscribedEvents: []sdk.EventType{sdk.EventConsentRevoked, sdk.EventConsentExpired}}); err != nil {
		log.Fatal(err)
	}
	hooks, _ := c.Webhooks.List(ctx)
	for _, h := range hooks {
		fmt.Println(h.URL, h.SubscribedEvents)
		_ = c.Webhooks.Delete(ctx, h.ID)
	}
	hooks, _ = c.Webhooks.List(ctx)
	fmt.Println(len(hooks))
	// Output:
	// secret printed: false
	// https://app.example/basiq [consent.revoked consent.expired]
	// 0
}

func ExampleEventsService_Types() {
	srv, c := example3()
	defer srv.Close()

	types, err := c.Events.Types(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	unknown := 0
	for _, ty := range types {
		if !ty.ID.Known() {
			unknown++
		}
	}
	fmt.Println(len(types), "types,", unknown, "unknown to this SDK")
	// Output: 15 types, 0 unknown to this SDK
}
