package sdk_test

import (
	"errors"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

func TestTransactions_paging(t *testing.T) {
	_, c := newFake(t, basiqtest.WithTransactionsPerAccount(1200))
	u, conn := connected(t, c)
	ctx := ctxT(t)
	first, err := u.ListTransactions(ctx, nil, sdk.Limit(500))
	if err != nil {
		t.Fatal(err)
	}
	if first.Count != 500 || len(first.Data) != 500 || first.Size < 2400 || !first.HasNext() {
		t.Fatalf("got count %d, %d items, size %d, next %q; want 500, 500, >= 2400, a next link", first.Count, len(first.Data), first.Size, first.Links.Next)
	}
	seen := map[string]bool{}
	pages := 0
	for page, err := range u.TransactionPages(ctx, sdk.Filter().Eq("connection.id", conn.ID), sdk.Limit(500)) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Data) > 500 {
			t.Fatalf("got a page of %d, want at most 500", len(page.Data))
		}
		for _, tx := range page.Data {
			if seen[tx.ID] {
				t.Fatalf("got %s twice", tx.ID)
			}
			seen[tx.ID] = true
		}
	}
	if len(seen) != first.Size || pages != (first.Size+499)/500 {
		t.Fatalf("got %d transactions in %d pages, want %d in %d", len(seen), pages, first.Size, (first.Size+499)/500)
	}
}

func TestTransactions_NextTransactions(t *testing.T) {
	_, c := newFake(t, basiqtest.WithTransactionsPerAccount(10))
	u, _ := connected(t, c)
	ctx := ctxT(t)
	page, err := u.ListTransactions(ctx, nil, sdk.Limit(7))
	total := 0
	for page != nil && err == nil {
		if len(page.Data) > 7 {
			t.Fatalf("got a page of %d, want at most 7 (limit kept on next pages)", len(page.Data))
		}
		total += len(page.Data)
		page, err = u.NextTransactions(ctx, page)
	}
	if err != nil || total < 20 {
		t.Fatalf("got %d transactions, %v; want at least 20", total, err)
	}
}

func TestTransactions_filter(t *testing.T) {
	_, c := newFake(t, basiqtest.WithTransactionsPerAccount(40))
	u, conn := connected(t, c)
	ctx := ctxT(t)
	accts, err := u.Accounts(ctx, sdk.Filter().Eq("connection.id", conn.ID))
	if err != nil || len(accts) < 2 {
		t.Fatalf("got %d accounts, %v; want at least 2", len(accts), err)
	}
	ids, err := u.AccountIDs(ctx, sdk.Filter().Eq("connection.id", conn.ID))
	if err != nil || len(ids) != len(accts) {
		t.Fatalf("AccountIDs: got %v, %v; want the ids of %d accounts", ids, err, len(accts))
	}
	for i, a := range accts {
		if ids[i] != a.ID {
			t.Errorf("AccountIDs[%d] = %q, want %q (Accounts' order)", i, ids[i], a.ID)
		}
	}
	acct, err := u.Account(ctx, accts[0].ID)
	if err != nil || acct.ID != accts[0].ID || acct.Balance == "" {
		t.Fatalf("got %+v, %v; want account %s with a balance", acct, err, accts[0].ID)
	}
	tests := []struct {
		name  string
		f     *sdk.FilterBuilder
		check func(*sdk.Transaction) bool
	}{
		{"account", sdk.Filter().Eq("account.id", acct.ID), func(tx *sdk.Transaction) bool { return tx.Account == acct.ID }},
		{"direction", sdk.Filter().Eq("transaction.direction", "debit"), func(tx *sdk.Transaction) bool { return tx.Direction == "debit" }},
		{"post date", sdk.Filter().Bt("transaction.postDate", "2000-01-01", "2100-01-01").Eq("transaction.status", "posted"),
			func(tx *sdk.Transaction) bool { return tx.PostDate != "" && tx.Status == "posted" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for tx, err := range u.Transactions(ctx, tt.f, sdk.Limit(25)) {
				if err != nil {
					t.Fatal(err)
				}
				if !tt.check(tx) {
					t.Fatalf("got %+v, which the filter %s excludes", tx, tt.f)
				}
				n++
			}
			if n == 0 {
				t.Fatalf("got no transactions for %s, want some", tt.f)
			}
		})
	}
	var one *sdk.Transaction
	for tx := range u.Transactions(ctx, nil) {
		one = tx
		break
	}
	got, err := u.Transaction(ctx, one.ID)
	if err != nil || got.ID != one.ID || got.Amount != one.Amount {
		t.Fatalf("got %+v, %v; want %+v", got, err, one)
	}
}

func TestTransactions_errorYieldedOnce(t *testing.T) {
	_, c := newFake(t)
	u := newUser(t, c)
	errs := 0
	for _, err := range u.Transactions(ctxT(t), nil, sdk.Limit(501)) {
		var apiErr *sdk.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Fatalf("got %v, want a 400 for limit 501", err)
		}
		errs++
	}
	if errs != 1 {
		t.Fatalf("got %d errors, want 1", errs)
	}
	bad := sdk.Filter().Eq("bad field')", "x")
	for _, err := range u.Transactions(ctxT(t), bad) {
		if err == nil {
			t.Fatal("got nil error for a bad filter field, want one")
		}
	}
}

func TestTransactions_nextLinkOffHost(t *testing.T) {
	_, c := newFake(t)
	u := newUser(t, c)
	page := &sdk.TransactionPage{Links: sdk.PageLinks{Next: "https://evil.example/users/x/transactions?next=1"}}
	if _, err := u.NextTransactions(ctxT(t), page); err == nil {
		t.Fatal("got nil error for a next link on another host, want one")
	}
}
