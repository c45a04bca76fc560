package basiqtest

import "net/http"

type consentOut struct {
	Type       string      `json:"type"`
	ID         string      `json:"id"`
	Created    string      `json:"created"`
	Updated    string      `json:"updated"`
	ExpiryDate string      `json:"expiryDate"`
	Origin     string      `json:"origin"`
	Status     string      `json:"status"`
	Purpose    consentPurp `json:"purpose"`
	Data       consentData `json:"data"`
	Revoked    string      `json:"revoked,omitempty"`
	Links      selfLink    `json:"links"`
}

type titled struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

type consentPurp struct {
	Primary titled `json:"primary"`
	Other   *bool  `json:"other"`
}

type consentData struct {
	RetainData           bool         `json:"retainData"`
	InitialRetrievalDays int          `json:"initialRetrievalDays"`
	Organisation         *bool        `json:"organisation"`
	Permissions          []permission `json:"permissions"`
}

type permission struct {
	Scope       string `json:"scope"`
	Required    bool   `json:"required"`
	Consented   bool   `json:"consented"`
	Entity      string `json:"entity"`
	Information struct {
		Name          string   `json:"name"`
		Description   string   `json:"description"`
		AttributeList []string `json:"attributeList"`
	} `json:"information"`
	Purpose titled `json:"purpose"`
}

// permissions are the data clusters every consent of the fake grants.
var permissions = func() []permission {
	mk := func(scope, entity, name, desc string, attrs ...string) permission {
		p := permission{Scope: scope, Required: true, Consented: true, Entity: entity, Purpose: titled{name, desc}}
		p.Information.Name, p.Information.Description, p.Information.AttributeList = name, desc, attrs
		return p
	}
	return []permission{
		mk("account.basic", "account", "Account name, type and balance", "This allows access to a list of your accounts and their current balance.",
			"Name of account", "Type of account", "Account balance"),
		mk("account.detail", "account", "Account numbers and features", "This allows access to your account numbers and product information.",
			"Account number", "Interest rates", "Fees"),
		mk("transaction.detail", "transaction", "Transaction details", "This allows access to your transaction history.",
			"Incoming and outgoing transactions", "Amounts", "Dates", "Descriptions of transactions"),
		mk("customer.person.detail", "connection", "Name, occupation, contact details", "This allows access to personally identifiable information.",
			"Name", "Occupation", "Phone", "Email address", "Mail address", "Residential address"),
	}
}()

// consentJSON renders a consent. Call with store.mu held.
func (s *Server) consentJSON(r *http.Request, cs *consent) consentOut {
	o := consentOut{Type: "consent", ID: cs.id, Created: rfc3339(cs.created), Updated: rfc3339(cs.updated),
		ExpiryDate: rfc3339(cs.expires), Origin: "user", Status: cs.status,
		Purpose: consentPurp{Primary: titled{"Share your financial data", "We need to connect to your bank to collect some information about your finances"}},
		Data:    consentData{RetainData: true, InitialRetrievalDays: 730, Permissions: permissions},
		Links:   selfLink{Self: s.baseURL(r) + consentPath(cs)}}
	if !cs.revoked.IsZero() {
		o.Revoked = rfc3339(cs.revoked)
	}
	return o
}
