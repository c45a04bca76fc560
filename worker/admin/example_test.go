package admin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/redis/go-redis/v9"
)

// Serve metrics, probes and the read-only web UI at /ops, with basic auth
// because the address is reachable beyond loopback.
func ExampleNew() {
	mr, err := miniredis.Run() // any Redis
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mr.Close()
	addr := "0.0.0.0:8080"
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()}) // the process's one client
	defer rdb.Close()
	opts := admin.Options{Redis: rdb, UIEnabled: true, UIPath: "/ops", UIReadOnly: true}
	if admin.RequireAuth(addr) {
		opts.Username, opts.Password = "ops", "s3cret"
	}
	h, err := admin.New(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h) // in production: http.Server{Addr: addr, Handler: h}
	defer srv.Close()

	for _, path := range []string{"/healthz", "/readyz", "/ops/"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/ops/", nil)
	req.SetBasicAuth("ops", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("/ops/ with basic auth", resp.StatusCode)
	// Output:
	// /healthz 200
	// /readyz 200
	// /ops/ 401
	// /ops/ with basic auth 200
}
