package config

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/worker"
)

// BasiqAPI is the configuration of a program that calls Basiq itself, as
// basiqctl user create does: the worker's BASIQ_API_KEY, BASIQ_API_VERSION
// and BASIQ_BASE_URL, with the worker's defaults.
type BasiqAPI struct {
	APIKey     string
	APIVersion string
	BaseURL    string
}

// DefaultBasiqAPI returns the Basiq settings when no variable is set.
func DefaultBasiqAPI() *BasiqAPI {
	return &BasiqAPI{APIVersion: worker.DefaultConfig().APIVersion, BaseURL: sdk.DefaultBaseURL}
}

func (b *BasiqAPI) variables() []variable {
	return basiqVariables(&b.APIKey, &b.APIVersion, &b.BaseURL)
}

// basiqVariables binds BASIQ_API_KEY, BASIQ_API_VERSION and BASIQ_BASE_URL
// to key, version and baseURL: BasiqAPI's fields, or worker.Config's.
func basiqVariables(key, version, baseURL *string) []variable {
	return []variable{
		{"BASIQ_API_KEY", key, "Basiq API key", required | secret},
		{"BASIQ_API_VERSION", version, "Basiq API version: 1.0, 2.0, 2.1 or 3.0", 0},
		{"BASIQ_BASE_URL", baseURL, "Basiq API base URL (absolute http or https)", 0},
	}
}

// LoadBasiqAPI parses the variables getenv returns onto DefaultBasiqAPI and
// validates the result; an empty variable is taken as unset. The error, an
// *Error, names every bad variable.
func LoadBasiqAPI(getenv func(string) string) (*BasiqAPI, error) {
	b := DefaultBasiqAPI()
	errs, bad := parse(b.variables(), func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	})
	for _, err := range checkBasiqAPI(b.APIKey, b.APIVersion, b.BaseURL) {
		if !bad[nameOf(err)] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, newError(errs, b.variables())
	}
	return b, nil
}

// SDKOptions returns the options of sdk.New for these settings.
func (b *BasiqAPI) SDKOptions() []sdk.Option {
	return []sdk.Option{sdk.WithBaseURL(b.BaseURL), sdk.WithAPIVersion(b.APIVersion)}
}

// String prints every variable with the API key masked, NAME=value.
func (b BasiqAPI) String() string {
	b.APIKey = mask(b.APIKey)
	return listVars(b.variables())
}

// GoString prints the configuration with the API key masked.
func (b BasiqAPI) GoString() string { return b.String() }

// checkBasiqAPI checks the key, version and base URL of Basiq.
func checkBasiqAPI(key, version, baseURL string) []error {
	var errs []error
	if key == "" {
		errs = append(errs, errors.New("BASIQ_API_KEY: required"))
	}
	if err := oneOf("BASIQ_API_VERSION", version, "1.0", "2.0", "2.1", "3.0"); err != nil {
		errs = append(errs, err)
	}
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASIQ_BASE_URL: must be an absolute http(s) URL, got %q", baseURL))
	}
	return errs
}
