package basiqtest

import (
	"net/http"
	"regexp"
)

// institution is one bank of the fake's catalogue.
type institution struct {
	id, name, shortName, country, tier, stage string
	kind                                      string // institutionType: "Bank", or "Test Bank" for the sandbox banks
	mfa                                       string // "", "token" or "security-questions"
	stats                                     durationStats
}

type durationStats struct {
	VerifyCredentials    int64 `json:"verifyCredentials"`
	RetrieveAccounts     int64 `json:"retrieveAccounts"`
	RetrieveTransactions int64 `json:"retrieveTransactions"`
	Total                int64 `json:"total"`
}

func institutions(d StepDurations) []institution {
	st := durationStats{VerifyCredentials: d.Credentials.Milliseconds(), RetrieveAccounts: d.Accounts.Milliseconds(),
		RetrieveTransactions: d.Transactions.Milliseconds()}
	st.Total = st.VerifyCredentials + st.RetrieveAccounts + st.RetrieveTransactions
	list := []institution{
		{id: "AU00000", kind: "Test Bank", name: "Hooli Bank", shortName: "Hooli", country: "Australia", tier: "4", stage: "live"},
		{id: "AU00001", kind: "Test Bank", name: "Hooli Bank MFA Token", shortName: "Hooli Token", country: "Australia", tier: "4", stage: "live", mfa: "token"},
		{id: "AU00002", kind: "Test Bank", name: "Hooli Bank MFA Security Question", shortName: "Hooli Question", country: "Australia", tier: "4", stage: "live", mfa: "security-questions"},
		{id: "AU00201", name: "Commonwealth Bank of Australia", shortName: "CommBank", country: "Australia", tier: "1", stage: "live"},
		{id: "AU00301", name: "Westpac Banking Corporation", shortName: "Westpac", country: "Australia", tier: "1", stage: "live"},
		{id: "AU00401", name: "Australia and New Zealand Banking Group", shortName: "ANZ", country: "Australia", tier: "1", stage: "live"},
		{id: "AU00501", name: "National Australia Bank", shortName: "NAB", country: "Australia", tier: "1", stage: "live"},
		{id: "AU01101", name: "ING Australia", shortName: "ING", country: "Australia", tier: "2", stage: "beta"},
		{id: "NZ00001", name: "ASB Bank", shortName: "ASB", country: "New Zealand", tier: "1", stage: "live"},
	}
	for i := range list {
		list[i].stats = st
		if list[i].kind == "" {
			list[i].kind = "Bank"
		}
	}
	return list
}

func (s *Server) institution(id string) *institution {
	for i := range s.insts {
		if s.insts[i].id == id {
			return &s.insts[i]
		}
	}
	return nil
}

type institutionOut struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	Name            string `json:"name"`
	ShortName       string `json:"shortName"`
	InstitutionType string `json:"institutionType"`
	Country         string `json:"country"`
	ServiceName     string `json:"serviceName"`
	ServiceType     string `json:"serviceType"`
	LoginIDCaption  string `json:"loginIdCaption"`
	PasswordCaption string `json:"passwordCaption"`
	Tier            string `json:"tier"`
	Authorization   string `json:"authorization"`
	Stage           string `json:"stage"`
	Status          string `json:"status"`
	Stats           struct {
		AverageDurationMs durationStats `json:"averageDurationMs"`
	} `json:"stats"`
	Logo  logo     `json:"logo"`
	Links selfLink `json:"links"`
}

type logo struct {
	Type  string `json:"type"`
	Links struct {
		Full   string `json:"full"`
		Square string `json:"square"`
	} `json:"links"`
}

func (s *Server) institutionJSON(r *http.Request, in *institution) institutionOut {
	o := institutionOut{Type: "institution", ID: in.id, Name: in.name, ShortName: in.shortName, InstitutionType: in.kind,
		Country: in.country, ServiceName: "Personal Online Banking", ServiceType: "Personal Banking",
		LoginIDCaption: "Login ID", PasswordCaption: "Password", Tier: in.tier, Authorization: "user", Stage: in.stage,
		Status: "operational", Links: selfLink{Self: s.baseURL(r) + "/institutions/" + in.id}}
	o.Stats.AverageDurationMs = in.stats
	o.Logo.Type = "image"
	o.Logo.Links.Full = "https://cdn.basiq.io/institutions/logos/color/" + in.id + ".svg"
	o.Logo.Links.Square = "https://cdn.basiq.io/institutions/square/" + in.id + ".png"
	return o
}

var institutionIDRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{5}$`)

var institutionFields = map[string]bool{"id": true, "institution.id": true, "name": true, "shortName": true,
	"country": true, "tier": true, "stage": true, "status": true, "authorization": true, "institutionType": true}

// institutionList is the envelope of GET /institutions: Basiq counts it
// in totalCount (its InstitutionsList), where the other lists say count.
type institutionList struct {
	Type       string     `json:"type"`
	TotalCount int        `json:"totalCount"`
	Data       []any      `json:"data"`
	Links      *listLinks `json:"links"`
}

func (s *Server) listInstitutions(w http.ResponseWriter, r *http.Request) *apiError {
	wrap := func(data []any, self string) any {
		return institutionList{Type: "list", TotalCount: len(data), Data: data, Links: &listLinks{Self: self}}
	}
	return s.serveListAs(w, r, institutionFields, wrap, func(f filter) ([]any, *apiError) {
		var data []any
		for i := range s.insts {
			if o := s.institutionJSON(r, &s.insts[i]); f.match(o.field) {
				data = append(data, o)
			}
		}
		return data, nil
	})
}

func (o institutionOut) field(name string) string {
	switch name {
	case "id", "institution.id":
		return o.ID
	case "name":
		return o.Name
	case "shortName":
		return o.ShortName
	case "country":
		return o.Country
	case "tier":
		return o.Tier
	case "stage":
		return o.Stage
	case "status":
		return o.Status
	case "authorization":
		return o.Authorization
	}
	return o.InstitutionType
}

func (s *Server) getInstitution(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	if !institutionIDRE.MatchString(id) {
		return errNotValid(param("id"), "Institution id '"+id+"' is not valid.")
	}
	in := s.institution(id)
	if in == nil {
		return errNotFound("institution")
	}
	writeJSON(w, 200, s.institutionJSON(r, in))
	return nil
}
