package basiqtest

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Step titles.
const (
	stepCredentials  = "verify-credentials"
	stepMFA          = "mfa-challenge"
	stepAccounts     = "retrieve-accounts"
	stepTransactions = "retrieve-transactions"
)

// forever marks a step that never finishes.
const forever time.Duration = -1

// stepPlan is what one step of a job will do, fixed when the job is created.
type stepPlan struct {
	title  string
	dur    time.Duration // forever: stays in-progress
	fail   string        // error code the step fails with; "" = success
	detail string        // detail of the failure; "" = the code's usual one
}

// sandboxLogins are the AU00000 logins that succeed, with their passwords.
var sandboxLogins = map[string]string{
	"gavinBelson": "hooli2016", "jared": "django", "richard": "tabsnotspaces",
	"Whistler": "ShowBox", "Gilfoyle": "PiedPiper",
}

// failingLogins always fail verify-credentials with the given code.
var failingLogins = map[string][3]string{
	"bighead":  {"password", "invalid-credentials", "Account is locked. Contact your bank to unlock it."},
	"erlich":   {"aviato", "account-not-accessible-requires-user-action", "Log in to your online banking and accept the new terms."},
	"jianYang": {"nothotdog", "service-unavailable", "The institution's service is temporarily unavailable."},
}

// userSide are the failure codes that need the user to act: they make a connection invalid.
var userSide = map[string]bool{
	"invalid-credentials": true, "account-not-accessible-requires-user-action": true,
	"user-action-required": true, "missing-required-field": true, "invalid-field-value": true,
}

var failureTitles = map[string]string{
	"invalid-credentials":                         "Cannot login to target institution, check credentials.",
	"account-not-accessible-requires-user-action": "Account not accessible, requires user action.",
	"user-action-required":                        "User action required at the institution.",
	"service-unavailable":                         "Institution service is currently unavailable.",
	"maintenance":                                 "Institution is under maintenance.",
	"connector-error":                             "Connector error while retrieving data.",
	"unknown-error":                               "Unknown error while retrieving data.",
	"job-timed-out":                               "MFA challenge expired before an answer was received.",
}

// script is what a login does on one job: the step that fails (and how), the step that never
// ends, and a fixed duration for every step (0 = the configured ones).
type script struct {
	failAt, code, detail string
	never                string
	slow                 time.Duration
}

func failAt(step, code string) script { return script{failAt: step, code: code} }

// outcome returns the script of a login on the n-th job (1-based) of its connection.
func outcome(login, password string, n int) script {
	if want, ok := sandboxLogins[login]; ok {
		if password == want {
			return script{}
		}
		return failAt(stepCredentials, "invalid-credentials")
	}
	if f, ok := failingLogins[login]; ok {
		sc := failAt(stepCredentials, "invalid-credentials")
		if password == f[0] {
			sc.code, sc.detail = f[1], f[2]
		}
		return sc
	}
	if password == "" {
		return failAt(stepCredentials, "invalid-credentials")
	}
	return magicOutcome(login, n)
}

func magicOutcome(login string, n int) script {
	switch login {
	case "fail-accounts":
		return failAt(stepAccounts, "connector-error")
	case "fail-transactions":
		return failAt(stepTransactions, "unknown-error")
	case "never-ends":
		return script{never: stepAccounts}
	case "user-action":
		return failAt(stepCredentials, "user-action-required")
	}
	if s, ok := strings.CutPrefix(login, "slow-"); ok {
		if sec, err := strconv.Atoi(s); err == nil && sec >= 1 && sec <= 600 {
			return script{slow: time.Duration(sec) * time.Second}
		}
	}
	for _, step := range []string{"credentials", "accounts", "transactions"} {
		s, ok := strings.CutPrefix(login, "maintenance-"+step+"-")
		if k, err := strconv.Atoi(s); ok && err == nil && k >= 1 && k <= 9 && len(s) == 1 {
			if n <= k {
				return failAt(stepTitleOf(step), "maintenance")
			}
			return script{}
		}
	}
	return failAt(stepCredentials, "invalid-credentials")
}

func stepTitleOf(short string) string {
	switch short {
	case "credentials":
		return stepCredentials
	case "accounts":
		return stepAccounts
	}
	return stepTransactions
}

// plan builds the steps of the n-th job of a connection.
func (s *Server) plan(jobID string, inst *institution, login, password string, n int) []stepPlan {
	sc := outcome(login, password, n)
	titles := []string{stepCredentials, stepAccounts, stepTransactions}
	durs := []time.Duration{s.cfg.steps.Credentials, s.cfg.steps.Accounts, s.cfg.steps.Transactions}
	if inst.mfa != "" {
		titles = []string{stepCredentials, stepMFA, stepAccounts, stepTransactions}
		durs = []time.Duration{durs[0], s.cfg.steps.MFA, durs[1], durs[2]}
	}
	steps := make([]stepPlan, len(titles))
	for i, t := range titles {
		d := s.jittered(jobID, i, durs[i])
		if sc.slow > 0 && t != stepMFA {
			d = sc.slow
		}
		if t == sc.never {
			d = forever
		}
		steps[i] = stepPlan{title: t, dur: d}
		if t == sc.failAt {
			steps[i].fail, steps[i].detail = sc.code, sc.detail
		}
	}
	return steps
}

// jittered varies d by the jitter (see Spread), deterministically from the seed, the job and the step.
func (s *Server) jittered(jobID string, step int, d time.Duration) time.Duration {
	if s.cfg.jitter <= 0 || d <= 0 {
		return d
	}
	u := s.unit(jobID, uint64(step))
	if s.cfg.spread == SpreadLogNormal {
		// Box-Muller from two independent uniforms; 1-u keeps the log finite.
		z := math.Sqrt(-2*math.Log(1-u)) * math.Cos(2*math.Pi*splitmix(u))
		sg := s.cfg.jitter
		return time.Duration(float64(d) * math.Min(math.Exp(sg*z-sg*sg/2), 10))
	}
	return time.Duration(float64(d) * (1 + s.cfg.jitter*(2*u-1)))
}

// splitmix is another uniform in [0,1), independent of u (SplitMix64's finalizer).
func splitmix(u float64) float64 {
	z := math.Float64bits(u) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / float64(1<<53)
}

// unit is a uniform number in [0,1) from the seed, the job and k.
func (s *Server) unit(jobID string, k uint64) float64 {
	h := uint64(fnv32(jobID))<<8 ^ k ^ uint64(s.cfg.seed)*0x9e3779b97f4a7c15
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return float64(h>>11) / float64(1<<53)
}
