package sdk

import "context"

// ConnectorsService lists the connectors, API 3.0's catalogue of
// institutions by connection method: c.Connectors.
type ConnectorsService service

// Connection methods of a connector.
const (
	MethodWeb         = "web"
	MethodOpenBanking = "openbanking"
	MethodCSV         = "csv"
	MethodPDF         = "pdf"
)

// Connector is one way to connect to an institution: its method (web
// scraping, Open Banking, statement upload), its state and its measured
// step times.
type Connector struct {
	Type          string                 `json:"type"`
	ID            string                 `json:"id"`
	Method        string                 `json:"method"`
	Stage         string                 `json:"stage"`
	Status        string                 `json:"status"`
	Institution   ConnectorInstitution   `json:"institution"`
	Scopes        []string               `json:"scopes,omitempty"`
	Authorization ConnectorAuthorization `json:"authorization"`
	Stats         ConnectorStats         `json:"stats"`
	Links         map[string]string      `json:"links,omitempty"`
}

// ConnectorInstitution is the institution a connector reaches.
type ConnectorInstitution struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	ShortName string `json:"shortName"`
	Tier      string `json:"tier"`
	Country   string `json:"country"`
	Logo      Logo   `json:"logo"`
}

// ConnectorAuthorization is how the user logs in ("user", "user-mfa",
// "token", ...) and the captions of the login fields.
type ConnectorAuthorization struct {
	Type string            `json:"type"`
	Meta map[string]string `json:"meta,omitempty"`
}

// ConnectorStats are a connector's measured step times. AverageDurationMs
// is nil when Basiq does not know them yet; it recomputes them daily from
// the last 7 days.
type ConnectorStats struct {
	AverageDurationMs *StepDurations `json:"averageDurationMs"`
}

// List lists the connectors, optionally filtered (for example by
// connector.id or connector.method).
func (s *ConnectorsService) List(ctx context.Context, f *FilterBuilder) ([]*Connector, error) {
	return getList[*Connector](ctx, s.c, "/connectors", f)
}

// Get reads the connector of institution id for one method, such as
// ("AU00000", sdk.MethodWeb).
func (s *ConnectorsService) Get(ctx context.Context, id, method string) (*Connector, error) {
	p, err := pathf("/connectors/%s/%s", id, method)
	if err != nil {
		return nil, err
	}
	return getOne[Connector](ctx, s.c, p)
}

func (c *Connector) kind() (string, string, string) {
	if c == nil {
		return "", "", "connector"
	}
	return c.Type, c.ID, "connector"
}
