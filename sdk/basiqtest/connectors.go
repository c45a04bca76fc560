package basiqtest

import "net/http"

// connector is one way of connecting to an institution.
type connector struct {
	inst   *institution
	method string // web, openbanking, pdf or csv
}

// statementBanks also take statement uploads in the catalogue (pdf and csv connectors).
var statementBanks = map[string]bool{"AU00201": true, "AU00301": true, "AU00401": true, "AU00501": true}

func (s *Server) connectors() []connector {
	var out []connector
	for i := range s.insts {
		in := &s.insts[i]
		out = append(out, connector{in, connectionMethod(in.id)})
		if statementBanks[in.id] {
			out = append(out, connector{in, "pdf"}, connector{in, "csv"})
		}
	}
	return out
}

type connectorOut struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Method      string `json:"method"`
	Stage       string `json:"stage"`
	Status      string `json:"status"`
	Institution struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		ShortName string `json:"shortName"`
		Tier      string `json:"tier"`
		Country   string `json:"country"`
		Logo      logo   `json:"logo"`
	} `json:"institution"`
	Scopes        []string `json:"scopes"`
	Authorization struct {
		Type string `json:"type"`
		Meta struct {
			LoginIDCaption  string `json:"login_id_caption"`
			PasswordCaption string `json:"password_caption"`
		} `json:"meta"`
	} `json:"authorization"`
	Stats struct {
		AverageDurationMs connectorStats `json:"averageDurationMs"`
	} `json:"stats"`
	Links selfLink `json:"links"`
}

// connectorStats are step durations in ms; nil is unknown (JSON null).
type connectorStats struct {
	VerifyCredentials    *int64 `json:"verifyCredentials"`
	RetrieveAccounts     *int64 `json:"retrieveAccounts"`
	RetrieveTransactions *int64 `json:"retrieveTransactions"`
	RetrieveMeta         *int64 `json:"retrieveMeta"`
	Total                *int64 `json:"total"`
}

func ms(v int64) *int64 { return &v }

func (s *Server) connectorJSON(r *http.Request, k connector) connectorOut {
	in := k.inst
	var o connectorOut
	o.Type, o.ID, o.Method, o.Stage, o.Status = "connector", in.id, k.method, in.stage, "operational"
	o.Institution.Type, o.Institution.Name, o.Institution.ShortName = "Bank", in.name, in.shortName
	if in.tier == "4" {
		o.Institution.Type = "Test Bank"
	}
	o.Institution.Tier, o.Institution.Country = in.tier, in.country
	o.Institution.Logo = s.institutionJSON(r, in).Logo
	o.Scopes = []string{"account.basic", "account.detail", "transaction.detail", "customer.person.detail"}
	o.Authorization.Type = "user"
	if in.mfa != "" {
		o.Authorization.Type = "user-mfa"
	}
	o.Authorization.Meta.LoginIDCaption, o.Authorization.Meta.PasswordCaption = "Login ID", "Password"
	if k.method == "web" || k.method == "openbanking" {
		st := in.stats
		o.Stats.AverageDurationMs = connectorStats{VerifyCredentials: ms(st.VerifyCredentials), RetrieveAccounts: ms(st.RetrieveAccounts),
			RetrieveTransactions: ms(st.RetrieveTransactions), Total: ms(st.Total)}
	}
	o.Links.Self = s.baseURL(r) + "/connectors/" + in.id + "/" + k.method
	return o
}

var connectorFields = map[string]bool{"connector.id": true, "connector.method": true, "connector.stage": true,
	"connector.status": true, "connector.institution.country": true, "connector.institution.tier": true,
	"connector.authorization.type": true}

func (o connectorOut) field(name string) string {
	switch name {
	case "connector.id":
		return o.ID
	case "connector.method":
		return o.Method
	case "connector.stage":
		return o.Stage
	case "connector.status":
		return o.Status
	case "connector.institution.country":
		return o.Institution.Country
	case "connector.institution.tier":
		return o.Institution.Tier
	}
	return o.Authorization.Type
}

func (s *Server) listConnectors(w http.ResponseWriter, r *http.Request) *apiError {
	f, err := parseFilter(r.URL.Query().Get("filter"), connectorFields)
	if err != nil {
		return err
	}
	data := []any{}
	for _, k := range s.connectors() {
		if o := s.connectorJSON(r, k); f.match(o.field) {
			data = append(data, o)
		}
	}
	writeJSON(w, 200, struct {
		Type       string   `json:"type"`
		TotalCount int      `json:"totalCount"`
		Data       []any    `json:"data"`
		Links      selfLink `json:"links"`
	}{"list", len(data), data, selfLink{Self: s.baseURL(r) + r.URL.RequestURI()}})
	return nil
}

func (s *Server) getConnector(w http.ResponseWriter, r *http.Request) *apiError {
	id := r.PathValue("id")
	if !institutionIDRE.MatchString(id) {
		return errNotValid(param("connectorId"), "Connector id '"+id+"' is not valid.")
	}
	for _, k := range s.connectors() {
		if k.inst.id == id && k.method == r.PathValue("method") {
			writeJSON(w, 200, s.connectorJSON(r, k))
			return nil
		}
	}
	return errNotFound("connector")
}
