package config_test

import (
	"fmt"

	"github.com/basiq-worker/basiq-worker/config"
)

// LoadWorker parses the variables that are set onto worker.DefaultConfig;
// a bad configuration names every bad variable, in the order of -h.
func ExampleLoadWorker() {
	env := map[string]string{
		"BASIQ_API_KEY":      "my-api-key",
		"BASIQ_SECRET_KEY":   "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"WORKER_CONCURRENCY": "50",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok } // os.LookupEnv in main
	w, err := config.LoadWorker(lookup)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Concurrency, w.ShutdownTimeout, w.Policy.Initial, w.Keyring.CurrentKeyID())

	env["WORKER_QUEUES"], env["POLL_FACTOR"] = "", "0.5"
	delete(env, "BASIQ_API_KEY")
	_, err = config.LoadWorker(lookup)
	fmt.Println(err)
	// Output:
	// 50 25s 500ms k1
	// 3 bad variables:
	//   BASIQ_API_KEY: required
	//   WORKER_QUEUES: at least one queue required, got ""
	//   POLL_FACTOR: must be >= 1, got "0.5"
}
