package browser

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const page = `<!doctype html><input id="name"><select id="pick"><option value="a">A</option><option value="b">B</option></select>
<button id="go" onclick="document.getElementById('out').textContent = 'hello ' + document.getElementById('name').value + ' ' + document.getElementById('pick').value">go</button>
<p id="out"></p><form action="/next" method="post"><input name="x" id="x"><button id="send">send</button></form>`

func TestBrowser_fillClickNavigate(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/next" {
			_ = r.ParseForm()
			got <- r.PostFormValue("x")
			http.Redirect(w, r, "/done?x="+r.PostFormValue("x"), http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	b := ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Navigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	steps := []error{b.Fill(ctx, "#name", `Ga"vin`), b.Fill(ctx, "#pick", "b"), b.Click(ctx, "#go")}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	if out, err := b.String(ctx, `document.getElementById("out").textContent`); err != nil || out != `hello Ga"vin b` {
		t.Errorf("after the click: %q, %v", out, err)
	}
	if err := b.Click(ctx, "#nothing"); err == nil || !strings.Contains(err.Error(), "no element") {
		t.Errorf("clicking nothing: %v, want an error naming it", err)
	}
	if err := b.Fill(ctx, "#x", "42"); err != nil {
		t.Fatal(err)
	}
	if err := b.Click(ctx, "#send"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitFor(ctx, `location.pathname === "/done"`); err != nil {
		t.Fatal(err)
	}
	if x := <-got; x != "42" {
		t.Errorf("the form posted %q, want 42", x)
	}
	png, err := b.Screenshot(ctx)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Errorf("screenshot: %d bytes, %v", len(png), err)
	}
	big, err := b.String(ctx, `"x".repeat(200000)`)
	if err != nil || len(big) != 200000 {
		t.Errorf("a 200 KB value: %d bytes, %v", len(big), err)
	}
}
