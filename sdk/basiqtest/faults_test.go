package basiqtest

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestFaults_Latency(t *testing.T) {
	srv, c, _ := setup(t)
	// 500 ms, not less: a request without the fault must answer sooner even
	// on a loaded machine under -race.
	const latency = 500 * time.Millisecond
	srv.SetFaults(Fault{Path: "/institutions", Latency: latency})
	for _, tt := range []struct {
		path string
		slow bool
	}{{"/institutions", true}, {"/institutions/AU00000", true}, {"/jobs/x", false}} {
		start := time.Now()
		c.do("GET", tt.path, "")
		if got := time.Since(start) >= latency; got != tt.slow {
			t.Errorf("%s: got slow=%v, want %v", tt.path, got, tt.slow)
		}
	}
}

func TestFaults_Errors(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
		wantCode   string
	}{
		{"500", Fault{ErrorRate: 1}, 500, "internal-server-error"},
		{"503", Fault{ErrorRate: 1, ErrorStatus: 503}, 503, "service-unavailable"},
		{"throttle", Fault{ThrottleRate: 1, RetryAfter: 2500 * time.Millisecond}, 429, "too-many-requests"},
		{"pathGlob", Fault{Path: "GET /users/*/accounts", ErrorRate: 1}, 500, "internal-server-error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, _ := setup(t)
			srv.SetFaults(tt.fault)
			r := c.do("GET", "/users/u1/accounts", "")
			if r.status != tt.wantStatus || r.errCode(t) != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
			if tt.wantStatus == 429 && r.header.Get("Retry-After") != "3" {
				t.Errorf("Retry-After: got %q, want 3", r.header.Get("Retry-After"))
			}
		})
	}
}

func TestFaults_pathMatching(t *testing.T) {
	tests := []struct {
		pattern, method, path string
		want                  bool
	}{
		{"", "GET", "/anything", true},
		{"/jobs/", "GET", "/jobs/1", true},
		{"/jobs/", "GET", "/jobs", false},
		{"/jobs", "GET", "/jobs/1/mfa", true},
		{"/jobs", "GET", "/jobsx", false},
		{"POST /users/*/connections", "POST", "/users/u1/connections", true},
		{"POST /users/*/connections", "GET", "/users/u1/connections", false},
		{"POST /users/*/connections", "POST", "/users/u1/connections/c1", false},
		{"get /institutions", "GET", "/institutions", true},
	}
	for _, tt := range tests {
		if got := (Fault{Path: tt.pattern}).matches(tt.method, tt.path); got != tt.want {
			t.Errorf("%q on %s %s: got %v, want %v", tt.pattern, tt.method, tt.path, got, tt.want)
		}
	}
}

func TestFaults_RateLimit(t *testing.T) {
	srv, c, clk := setup(t)
	srv.SetFaults(Fault{Path: "/institutions", RateLimit: 3})
	other := (&client{t: t, srv: srv}).newToken()
	var got []int
	for i := 0; i < 4; i++ {
		got = append(got, c.do("GET", "/institutions", "").status)
	}
	if want := []int{200, 200, 200, 429}; !equalInts(got, want) {
		t.Fatalf("statuses: got %v, want %v", got, want)
	}
	r := c.do("GET", "/institutions", "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" || r.errCode(t) != "too-many-requests" {
		t.Errorf("over the limit: got %d Retry-After %q, want 429 with Retry-After 1", r.status, r.header.Get("Retry-After"))
	}
	c2 := &client{t: t, srv: srv, token: other}
	if s := c2.do("GET", "/institutions", "").status; s != 429 {
		t.Errorf("another token of the same key: got %d, want 429 (the key's budget)", s)
	}
	r = c.raw("POST", "/token", "", map[string]string{"Authorization": "Basic b3RoZXI6a2V5", "basiq-version": "2.0"})
	var tok tokenAnswer
	r.decode(t, &tok)
	c3 := &client{t: t, srv: srv, token: tok.AccessToken}
	if s := c3.do("GET", "/institutions", "").status; s != 200 {
		t.Errorf("a token of another key: got %d, want 200 (own budget)", s)
	}
	clk.Advance(time.Second)
	if s := c.do("GET", "/institutions", "").status; s != 200 {
		t.Errorf("after a second: got %d, want 200", s)
	}
	if s := c.do("GET", "/jobs/x", "").status; s != 404 {
		t.Errorf("other path: got %d, want 404 (not limited)", s)
	}
}

func TestFaults_RateLimit_retryAfterSet(t *testing.T) {
	srv, c, _ := setup(t)
	srv.SetFaults(Fault{RateLimit: 1, RetryAfter: 4 * time.Second})
	c.do("GET", "/institutions", "")
	if r := c.do("GET", "/institutions", ""); r.status != 429 || r.header.Get("Retry-After") != "4" {
		t.Errorf("got %d Retry-After %q, want 429 with 4", r.status, r.header.Get("Retry-After"))
	}
}

func TestFaults_Share(t *testing.T) {
	count := func(seed int64) (n429, n500 int) {
		srv, c, _ := setup(t, WithSeed(seed))
		srv.SetFaults(Fault{Path: "/institutions", ThrottleRate: 0.2, ErrorRate: 0.25})
		for i := 0; i < 400; i++ {
			switch c.do("GET", "/institutions", "").status {
			case 429:
				n429++
			case 500:
				n500++
			}
		}
		return n429, n500
	}
	a429, a500 := count(3)
	b429, b500 := count(3)
	if a429 != b429 || a500 != b500 {
		t.Errorf("same seed: got %d/%d and %d/%d, want equal", a429, a500, b429, b500)
	}
	// 20% throttled, then 25% of the remaining 80% are 5xx.
	if a429 < 50 || a429 > 110 || a500 < 50 || a500 > 110 {
		t.Errorf("shares: got %d x 429 and %d x 500 of 400, want about 80 each", a429, a500)
	}
}

func TestFaults_Drop(t *testing.T) {
	srv, c, _ := setup(t)
	srv.SetFaults(Fault{Path: "/institutions", DropRate: 1})
	req, _ := http.NewRequest("GET", srv.URL+"/institutions", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got %d, want a dropped connection", res.StatusCode)
	}
	if got := srv.Stats().Requests["GET /institutions"][0]; got < 1 {
		t.Errorf("stats of dropped: got %d, want >= 1", got)
	}
	srv.SetFaults()
	c.must(200, "GET", "/institutions", "")
}

func TestFaults_MockEndpoint(t *testing.T) {
	_, c, _ := setup(t)
	body := `[{"path":"/institutions","errorRate":1,"errorStatus":503},{"path":"/jobs/","latency":"1ms"}]`
	c.must(200, "POST", "/_mock/faults", body)
	c.must(503, "GET", "/institutions", "")
	for _, bad := range []string{`[{"latency":"soon"}]`, `[{"retryAfter":"x"}]`, `{`} {
		if r := c.do("POST", "/_mock/faults", bad); r.status != 400 {
			t.Errorf("%s: got %d, want 400", bad, r.status)
		}
	}
	c.must(200, "POST", "/_mock/faults", `[]`)
	c.must(200, "GET", "/institutions", "")
}

func equalInts(a, b []int) bool { return slices.Equal(a, b) }

func TestFaults_WithFaults(t *testing.T) {
	_, c, _ := setup(t, WithFaults(Fault{Path: "/jobs/", ErrorRate: 1}))
	c.must(500, "GET", "/jobs/x", "")
	c.must(200, "GET", "/institutions", "")
}
