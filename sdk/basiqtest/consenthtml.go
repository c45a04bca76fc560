package basiqtest

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

var consentTemplates = template.Must(template.New("ui").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Basiq Consent (fake)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a2b3c}
label{display:block;margin:.8rem 0 .2rem}input,select{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
input[type=checkbox]{width:auto}button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem}
.error{color:#b00020}table{border-collapse:collapse;margin-top:1.5rem;font-size:.9rem}td,th{padding:.2rem .6rem;text-align:left}
</style></head><body>
<h1>Connect your bank</h1>{{end}}

{{define "hidden"}}<input type="hidden" name="token" value="{{.Token}}">
<input type="hidden" name="authLink" value="{{.AuthLink}}"><input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="action" value="{{.Action}}"><input type="hidden" name="connectionId" value="{{.ConnectionID}}">
<input type="hidden" name="jobIds" value="{{.JobIDs}}">{{end}}

{{define "form"}}{{template "head"}}
<p>Signed in as <b>{{.UserEmail}}</b>.</p>
{{if .Error}}<p class="error" id="error">{{.Error}}</p>{{end}}
<form method="post" action="consent" id="login">
{{template "hidden" .}}
{{if .Fixed}}<p>Bank: <b id="bank">{{.Fixed}}</b></p><input type="hidden" name="institutionId" value="{{.InstitutionID}}">
{{else}}<label for="institution">Bank</label>
<select name="institutionId" id="institution">{{range .Institutions}}<option value="{{.ID}}">{{.Name}}</option>{{end}}</select>{{end}}
<label for="loginId">Login</label><input name="loginId" id="loginId" autocomplete="username">
<label for="password">Password</label><input name="password" id="password" type="password" autocomplete="current-password">
{{if .NeedConsent}}<label><input type="checkbox" name="consent" id="consent" value="yes"> I consent to share my account
and transaction data for 12 months.</label>{{else}}<input type="hidden" name="consent" value="existing">{{end}}
<button type="submit" id="submit">Connect</button>
<button type="submit" name="next" value="another" id="another">Connect, then another bank</button>
</form>
{{if .JobIDs}}<form method="post" action="consent/done" id="finish">{{template "hidden" .}}
<p id="connected">Connected so far: {{.JobIDs}}</p><button type="submit" id="done">Done</button></form>{{end}}
<table id="logins"><tr><th>Sandbox login</th><th>Password</th><th></th></tr>
{{range .Logins}}<tr><td>{{.Login}}</td><td>{{.Password}}</td><td>{{.Outcome}}</td></tr>{{end}}</table>
<p>MFA banks: Hooli Bank MFA Token answers 1234, Hooli Bank MFA Security Question answers Hooli.</p>
</body></html>{{end}}

{{define "mfa"}}{{template "head"}}
<form method="post" action="consent/mfa" id="mfa">
{{template "hidden" .}}<input type="hidden" name="jobId" value="{{.JobID}}"><input type="hidden" name="next" value="{{.Next}}">
<label for="answer">{{.Question}}</label><input name="answer" id="answer" autocomplete="one-time-code">
<button type="submit" id="submit">Continue</button>
</form></body></html>{{end}}

{{define "done"}}{{template "head"}}
<p id="done">Connected. Jobs: {{range .JobIDs}}<code class="job">{{.}}</code> {{end}}</p>
</body></html>{{end}}

{{define "manage"}}{{template "head"}}
{{if .Consent}}<p id="consent-status">Your consent is <b>{{.Consent.Status}}</b> until {{.Consent.ExpiryDate}}.</p>
<form method="post" action="consent/revoke" id="revoke-form">{{template "hidden" .}}
<button type="submit" id="revoke">Revoke consent</button></form>
<form method="post" action="consent/extend" id="extend-form">{{template "hidden" .}}
<button type="submit" id="extend">Extend consent</button></form>
{{else}}<p id="consent-status">You have no active consent.</p>{{end}}
<table id="connections"><tr><th>Bank</th><th>Status</th></tr>
{{range .Connections}}<tr data-id="{{.ID}}"><td>{{.Bank}}</td><td>{{.Status}}</td></tr>{{end}}</table>
</body></html>{{end}}

{{define "changed"}}{{template "head"}}<p id="changed">Your consent is {{.}}.</p></body></html>{{end}}

{{define "error"}}{{template "head"}}<p class="error" id="error">{{.}}</p></body></html>{{end}}
`))

// renderUI writes one Consent UI page.
func renderUI(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := consentTemplates.ExecuteTemplate(&b, name, data); err != nil {
		status, b = 500, *bytes.NewBufferString("<!doctype html><p>template error</p>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
