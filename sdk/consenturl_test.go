package sdk_test

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestUserHandle_ConsentURL(t *testing.T) {
	s := newScopeStub(t, nil)
	tests := []struct {
		name string
		opts []sdk.Option
		o    sdk.ConsentOptions
		want string
	}{
		{"default page, no options", nil, sdk.ConsentOptions{},
			"https://consent.basiq.io/home?token=client-u-1-1"},
		{"every option", []sdk.Option{sdk.WithConsentURL("http://127.0.0.1:9/consent?theme=dark")},
			sdk.ConsentOptions{Action: sdk.ConsentActionConnect, State: "s 1&x=y", InstitutionID: "AU00000", ConnectionID: "c-1"},
			"http://127.0.0.1:9/consent?action=connect&connectionId=c-1&institutionId=AU00000&state=s+1%26x%3Dy&theme=dark&token=client-u-1-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.client(t, tt.opts...).Users.For("u-1").ConsentURL(ctxT(t), tt.o)
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestWithConsentURL_bad(t *testing.T) {
	for _, u := range []string{"", "consent.basiq.io/home", "ftp://consent.basiq.io/home", "http://"} {
		if _, err := sdk.New("key", sdk.WithConsentURL(u)); err == nil {
			t.Errorf("%q: got nil error, want one", u)
		}
	}
}

func TestParseConsentRedirect(t *testing.T) {
	tests := []struct {
		query string
		want  sdk.ConsentResult
		err   error
	}{
		{"jobId=j-1&jobIds=j-1&state=abc", sdk.ConsentResult{JobIDs: []string{"j-1"}, State: "abc"}, nil},
		{"jobIds=j-1,j-2,%20j-3", sdk.ConsentResult{JobIDs: []string{"j-1", "j-2", "j-3"}}, nil},
		{"jobId=j-9", sdk.ConsentResult{JobIDs: []string{"j-9"}}, nil},
		{"jobIds=j-1&jobIds=j-2&jobId=j-2", sdk.ConsentResult{JobIDs: []string{"j-1", "j-2"}}, nil},
		{"state=abc", sdk.ConsentResult{State: "abc"}, sdk.ErrNoJobs},
		{"jobIds=,,", sdk.ConsentResult{}, sdk.ErrNoJobs},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := sdk.ParseConsentRedirect(&url.URL{Path: "/done", RawQuery: tt.query})
			if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
