package sdk

import "context"

// InstitutionsService lists the banks Basiq connects to: c.Institutions.
type InstitutionsService service

// Institution is a bank Basiq can connect to.
type Institution struct {
	Type            string            `json:"type"`
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	ShortName       string            `json:"shortName"`
	InstitutionType string            `json:"institutionType"`
	Country         string            `json:"country"`
	ServiceName     string            `json:"serviceName"`
	ServiceType     string            `json:"serviceType"`
	LoginIDCaption  string            `json:"loginIdCaption"`
	PasswordCaption string            `json:"passwordCaption"`
	Tier            string            `json:"tier"`
	Authorization   string            `json:"authorization"`
	Stage           string            `json:"stage"`
	Status          string            `json:"status"`
	Stats           InstitutionStats  `json:"stats"`
	Logo            Logo              `json:"logo"`
	Links           map[string]string `json:"links,omitempty"`
}

// InstitutionStats are an institution's measured job step times.
type InstitutionStats struct {
	AverageDurationMs StepDurations `json:"averageDurationMs"`
}

// StepDurations are average step times in milliseconds; a field Basiq
// leaves null or out is 0. RetrieveMeta is reported by connectors only.
type StepDurations struct {
	VerifyCredentials    float64 `json:"verifyCredentials"`
	RetrieveAccounts     float64 `json:"retrieveAccounts"`
	RetrieveTransactions float64 `json:"retrieveTransactions"`
	RetrieveMeta         float64 `json:"retrieveMeta,omitempty"`
	Total                float64 `json:"total"`
}

// Logo links an institution's logo images.
type Logo struct {
	Type  string    `json:"type"`
	Links LogoLinks `json:"links"`
}

// LogoLinks are the logo's image URLs.
type LogoLinks struct {
	Full   string `json:"full,omitempty"`
	Square string `json:"square,omitempty"`
}

// List lists institutions, optionally filtered (for example by
// institution.id).
func (s *InstitutionsService) List(ctx context.Context, f *FilterBuilder) ([]*Institution, error) {
	return getList[*Institution](ctx, s.c, "/institutions", f)
}

// Get reads an institution such as "AU00000".
func (s *InstitutionsService) Get(ctx context.Context, id string) (*Institution, error) {
	p, err := pathf("/institutions/%s", id)
	if err != nil {
		return nil, err
	}
	return getOne[Institution](ctx, s.c, p)
}
