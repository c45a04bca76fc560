package basiqtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// token gets a SERVER_ACCESS token the way API 3.0 asks (a form body with the scope).
func token(url string) string {
	req, _ := http.NewRequest("POST", url+"/token", strings.NewReader("scope=SERVER_ACCESS"))
	req.Header.Set("Authorization", "Basic a2V5OnNlY3JldA==")
	req.Header.Set("basiq-version", "3.0")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&t)
	return t.AccessToken
}

func ExampleNewServer() {
	srv := basiqtest.NewServer()
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/institutions/AU00000", nil)
	req.Header.Set("Authorization", "Bearer "+token(srv.URL))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var in struct{ Name, ShortName string }
	_ = json.NewDecoder(res.Body).Decode(&in)
	fmt.Println(res.StatusCode, in.Name, in.ShortName)
	// Output: 200 Hooli Bank Hooli
}

func ExampleServer_SetFaults() {
	srv := basiqtest.NewServer()
	defer srv.Close()
	srv.SetFaults(basiqtest.Fault{Path: "/institutions", ThrottleRate: 1, RetryAfter: 2e9})

	req, _ := http.NewRequest("GET", srv.URL+"/institutions", nil)
	req.Header.Set("Authorization", "Bearer "+token(srv.URL))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Retry-After"))
	// Output: 429 2
}

func ExampleServer_Stats() {
	srv := basiqtest.NewServer()
	defer srv.Close()
	tok := token(srv.URL)

	req, _ := http.NewRequest("POST", srv.URL+"/users", strings.NewReader(`{"email":"gavin@hooli.com"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	st := srv.Stats()
	fmt.Println(res.StatusCode, st.TokensIssued, st.Requests["POST /users"][201], srv.Users())
	// Output: 201 1 1 1
}
