package basiqtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// call sends a JSON request with a bearer token and decodes the answer into out.
func call(method, url, tok, body string, out any) int {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// The API 3.0 consent flow without a browser: the user "submits" the Consent UI through
// POST /_mock/consent, and the partner gets the redirect with the job ids, then follows the job.
func ExampleWithConsentRedirect() {
	srv := basiqtest.NewServer(basiqtest.WithConsentRedirect("https://app.example/connected"),
		basiqtest.WithStepDurations(basiqtest.StepDurations{}))
	defer srv.Close()
	tok := token(srv.URL)
	var u struct{ ID string }
	call("POST", srv.URL+"/users", tok, `{"email":"gavin@hooli.com"}`, &u)

	var res struct {
		JobID    string
		Redirect string
	}
	call("POST", srv.URL+"/_mock/consent", "", `{"userId":"`+u.ID+`","institutionId":"AU00000",
		"loginId":"gavinBelson","password":"hooli2016","state":"42"}`, &res)
	fmt.Println(res.Redirect == "https://app.example/connected?jobId="+res.JobID+"&jobIds="+res.JobID+"&state=42")

	// the job's steps take no time here (StepDurations{})
	js, _ := srv.Job(res.JobID)
	fmt.Println(js.Status)
	var consents struct{ Size int }
	call("GET", srv.URL+"/users/"+u.ID+"/consents", tok, "", &consents)
	fmt.Println(consents.Size)
	// Output:
	// true
	// success
	// 1
}

// Sign is what a webhook receiver checks the webhook-signature header against (the value below
// was computed independently with Python's hmac module).
func ExampleSign() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"eventId":"e1","eventTypeId":"user.created","links":{}}`)
	fmt.Println("v1," + basiqtest.Sign(secret, "msg_1", "1700000000", body))
	// Output: v1,7my94L2tnvp0UGauR+8DvOrm6YEf5no7WRxVRaKuRZ4=
}
