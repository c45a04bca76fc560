package sdk_test

import (
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestInstitutions(t *testing.T) {
	_, c := newFake(t)
	ctx := ctxT(t)
	all, err := c.Institutions.List(ctx, nil)
	if err != nil || len(all) < 3 {
		t.Fatalf("got %d institutions, %v; want at least 3", len(all), err)
	}
	one, err := c.Institutions.List(ctx, sdk.Filter().Eq("institution.id", "AU00000"))
	if err != nil || len(one) != 1 || one[0].Name != "Hooli Bank" {
		t.Fatalf("got %+v, %v; want Hooli Bank alone", one, err)
	}
	inst, err := c.Institutions.Get(ctx, "AU00000")
	if err != nil || inst.ID != "AU00000" || inst.Stats.AverageDurationMs.VerifyCredentials <= 0 {
		t.Fatalf("got %+v, %v; want AU00000 with stats", inst, err)
	}
	if _, err := c.Institutions.Get(ctx, "AU99999"); !sdk.IsNotFound(err) {
		t.Fatalf("got %v, want not found", err)
	}
}
