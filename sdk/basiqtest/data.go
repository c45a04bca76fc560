package basiqtest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// account is a generated bank account of a connection.
type account struct {
	id, name, accountNo, product, class string
	balance                             int64 // cents
	connID, userID, institution         string
}

// transaction is a generated transaction of an account.
type transaction struct {
	id, status, description, class, subCode, subTitle string
	amount, balance                                   int64 // cents
	accountID, connID, institution                    string
	transactionDate, postDate                         time.Time // postDate is zero while pending
}

var accountKinds = []struct{ name, product, class string }{
	{"Everyday Account", "Everyday Transaction Account", "transaction"},
	{"Savings Account", "Bonus Saver", "savings"},
	{"Credit Card", "Platinum Visa", "credit-card"},
}

func (s *Server) rngFor(key string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.cfg.seed), uint64(fnv32(key))<<32|uint64(len(key))))
}

// genAccounts makes the 2 or 3 accounts of a new connection. Call with store.mu held for writing.
func (s *Server) genAccounts(c *connection) {
	rng := s.rngFor(c.id)
	n := 2 + rng.IntN(2)
	for i := 0; i < n; i++ {
		k := accountKinds[i]
		c.accounts = append(c.accounts, &account{
			id: s.store.newID(), name: k.name, product: k.product, class: k.class,
			accountNo: fmt.Sprintf("%06d-%08d", 100000+rng.IntN(900000), rng.IntN(100000000)),
			balance:   int64(rng.IntN(2_000_000)) + 10_000, connID: c.id, userID: c.userID, institution: c.institution,
		})
	}
}

var txKinds = []struct{ desc, class, code, title string }{
	{"WOOLWORTHS 1234 SYDNEY", "payment", "411", "Supermarkets and Grocery Stores"},
	{"SALARY HOOLI PTY LTD", "direct-credit", "", "Salary"},
	{"TRANSFER TO SAVINGS", "transfer", "", "Transfer"},
	{"ATM WITHDRAWAL PIED PIPER", "cash-withdrawal", "", "ATM"},
	{"MONTHLY ACCOUNT FEE", "bank-fee", "", "Fee"},
	{"INTEREST CREDIT", "interest", "", "Interest"},
	{"NETFLIX.COM", "payment", "5815", "Digital Goods"},
	{"REFUND AVIATO", "refund", "", "Refund"},
	{"UBER *TRIP", "payment", "4121", "Taxicabs and Limousines"},
}

// txsOf returns the transactions of a connection, generating them on first use.
func (s *Server) txsOf(c *connection) []*transaction {
	c.txOnce.Do(func() {
		day := c.created.UTC().Truncate(24 * time.Hour)
		for _, a := range c.accounts {
			c.txs = append(c.txs, s.genTransactions(a, day)...)
		}
	})
	return c.txs
}

func (s *Server) genTransactions(a *account, day time.Time) []*transaction {
	rng := s.rngFor(a.id)
	n := s.cfg.txPerAcct
	out := make([]*transaction, n)
	bal := a.balance
	for i := 0; i < n; i++ {
		k := txKinds[rng.IntN(len(txKinds))]
		amt := -int64(rng.IntN(30_000) + 100)
		if k.class == "direct-credit" || k.class == "interest" || k.class == "refund" {
			amt = int64(rng.IntN(500_000) + 100)
		}
		t := &transaction{id: fmt.Sprintf("%s-%05d", a.id[:8], i), status: "posted", description: k.desc, class: k.class,
			subCode: k.code, subTitle: k.title, amount: amt, balance: bal, accountID: a.id, connID: a.connID, institution: a.institution}
		t.transactionDate = day.AddDate(0, 0, -(i / 3))
		if i < 3 {
			t.status = "pending"
		} else {
			t.postDate = day.AddDate(0, 0, -(i/3)-1)
		}
		bal -= amt
		out[i] = t
	}
	return out
}

func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
