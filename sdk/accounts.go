package sdk

import "context"

// Account is a bank account of a user. Money is kept as the API's
// decimal strings.
type Account struct {
	Type                 string                `json:"type"`
	ID                   string                `json:"id"`
	AccountNo            string                `json:"accountNo"`
	Name                 string                `json:"name"`
	Currency             string                `json:"currency"`
	Class                AccountClass          `json:"class"`
	Balance              string                `json:"balance"`
	AvailableFunds       string                `json:"availableFunds"`
	LastUpdated          string                `json:"lastUpdated"`
	Status               string                `json:"status"`
	Institution          string                `json:"institution"`
	Connection           string                `json:"connection"`
	TransactionIntervals []TransactionInterval `json:"transactionIntervals,omitempty"`
	Links                map[string]string     `json:"links,omitempty"`
}

// AccountClass is the kind of account, such as {"transaction", "Everyday"}.
type AccountClass struct {
	Type    string `json:"type"`
	Product string `json:"product"`
}

// TransactionInterval is a span of dates the account has transactions for.
type TransactionInterval struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Accounts lists the user's accounts; filter by connection.id,
// institution.id or account.id.
func (h *UserHandle) Accounts(ctx context.Context, f *FilterBuilder) ([]*Account, error) {
	p, err := pathf("/users/%s/accounts", h.id)
	if err != nil {
		return nil, err
	}
	return getList[*Account](ctx, h.c, p, f)
}

// AccountIDs lists the ids of the user's accounts, filtered as Accounts
// is, and decodes nothing else of them: for a caller that keeps only the
// ids (the worker, for every job it finishes). Each item must still be an
// account with an id, as in Accounts.
func (h *UserHandle) AccountIDs(ctx context.Context, f *FilterBuilder) ([]string, error) {
	p, err := pathf("/users/%s/accounts", h.id)
	if err != nil {
		return nil, err
	}
	refs, err := getList[*accountRef](ctx, h.c, p, f)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids, nil
}

// accountRef is the part of an account AccountIDs decodes.
type accountRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (a *accountRef) kind() (string, string, string) {
	if a == nil {
		return "", "", "account"
	}
	return a.Type, a.ID, "account"
}

// Account reads one of the user's accounts.
func (h *UserHandle) Account(ctx context.Context, id string) (*Account, error) {
	p, err := pathf("/users/%s/accounts/%s", h.id, id)
	if err != nil {
		return nil, err
	}
	return getOne[Account](ctx, h.c, p)
}
