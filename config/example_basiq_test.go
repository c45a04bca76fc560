package config_test

import (
	"fmt"

	"github.com/basiq-worker/basiq-worker/config"
)

// LoadBasiqAPI reads BASIQ_API_KEY, BASIQ_API_VERSION and BASIQ_BASE_URL
// with the worker's defaults; String masks the key.
func ExampleLoadBasiqAPI() {
	env := map[string]string{"BASIQ_API_KEY": "my-api-key", "BASIQ_BASE_URL": "http://127.0.0.1:8090"}
	b, err := config.LoadBasiqAPI(func(k string) string { return env[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.APIVersion, b.BaseURL)

	_, err = config.LoadBasiqAPI(func(string) string { return "" })
	fmt.Println(err)
	// Output:
	// 3.0 http://127.0.0.1:8090
	// BASIQ_API_KEY: required
}
