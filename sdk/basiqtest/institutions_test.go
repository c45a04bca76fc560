package basiqtest

import (
	"testing"
	"time"
)

func TestInstitutions_List(t *testing.T) {
	_, c, _ := setup(t)
	tests := []struct {
		filter string
		want   int
	}{
		{"", 9},
		{"institution.id.eq('AU00000')", 1},
		{"country.eq('New Zealand')", 1},
		{"tier.eq('1'),country.eq('Australia')", 4},
		{"id.bt('AU00000','AU00002')", 3},
		{"institutionType.eq('Test Bank')", 3},
	}
	for _, tt := range tests {
		var l map[string]any
		c.must(200, "GET", "/institutions?filter="+urlq(tt.filter), "").decode(t, &l)
		data, _ := l["data"].([]any)
		if _, ok := l["count"]; ok || l["totalCount"] != float64(tt.want) || len(data) != tt.want {
			t.Errorf("filter %q: got totalCount %v (count present: %v), %d items; want totalCount %d as Basiq's InstitutionsList, no count",
				tt.filter, l["totalCount"], ok, len(data), tt.want)
		}
	}
	c.must(400, "GET", "/institutions?filter="+urlq("logo.eq('x')"), "")
}

func TestInstitutions_Get(t *testing.T) {
	srv, c, _ := setup(t, WithStepDurations(StepDurations{Credentials: 1500 * time.Millisecond, Accounts: 2 * time.Second, Transactions: 4 * time.Second}))
	var in institutionOut
	c.must(200, "GET", "/institutions/AU00000", "").decode(t, &in)
	want := durationStats{VerifyCredentials: 1500, RetrieveAccounts: 2000, RetrieveTransactions: 4000, Total: 7500}
	if in.Name != "Hooli Bank" || in.ShortName != "Hooli" || in.InstitutionType != "Test Bank" || in.Stats.AverageDurationMs != want ||
		in.Links.Self != srv.URL+"/institutions/AU00000" || in.Status != "operational" {
		t.Errorf("got %+v, want Hooli Bank, a Test Bank, with stats %+v", in, want)
	}
	c.must(200, "GET", "/institutions/AU00201", "").decode(t, &in)
	if in.InstitutionType != "Bank" {
		t.Errorf("got CommBank's institutionType %q, want Bank", in.InstitutionType)
	}
	tests := []struct {
		id         string
		wantStatus int
		wantCode   string
	}{
		{"AU99999", 404, "resource-not-found"},
		{"au00000", 400, "parameter-not-valid"},
		{"AU0000", 400, "parameter-not-valid"},
	}
	for _, tt := range tests {
		if got := c.must(tt.wantStatus, "GET", "/institutions/"+tt.id, "").errCode(t); got != tt.wantCode {
			t.Errorf("%s: got %s, want %s", tt.id, got, tt.wantCode)
		}
	}
}
