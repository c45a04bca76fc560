// Package browser drives a headless Chromium through the DevTools protocol, with only the
// standard library: start it, load a page, run JavaScript in it (fill a form, click), and wait
// for a condition, as a person's clicks would. Tests use it for pages that must work in a real
// browser (the fake's Consent UI, the admin UI).
//
//	b := browser.ForTest(t)                     // skips without Chromium (fails when required)
//	b.Navigate(ctx, url)
//	b.Eval(ctx, `document.querySelector("#loginId").value = "gavinBelson"`)
//	b.WaitFor(ctx, `location.href.startsWith("http://app/")`)
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Find returns the path of a Chromium (chromium, chromium-browser or google-chrome), or "".
func Find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium with one page, driven over the DevTools protocol.
type Browser struct {
	cmd *exec.Cmd
	dir string
	ws  *wsConn

	mu      sync.Mutex
	next    int64
	pending map[int64]chan reply
	err     error // why the connection ended
	done    chan struct{}
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Start launches a headless Chromium and connects to its page.
func Start(ctx context.Context, chromium string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "browser-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--remote-debugging-port=0", "--user-data-dir="+dir, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Close ends Chromium's helpers too
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("browser: start %s: %w", chromium, err)
	}
	b := &Browser{cmd: cmd, dir: dir, pending: map[int64]chan reply{}, done: make(chan struct{})}
	ws, err := b.connect(ctx)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.ws = ws
	go b.readLoop()
	return b, nil
}

// connect waits for the DevTools port and opens the page's socket.
func (b *Browser) connect(ctx context.Context) (*wsConn, error) {
	port, err := b.devtoolsPort(ctx)
	if err != nil {
		return nil, err
	}
	for {
		if ws, err := pageSocket(ctx, port); err == nil {
			return dialWS(ctx, ws)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("browser: no page target: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (b *Browser) devtoolsPort(ctx context.Context) (string, error) {
	for {
		if data, err := os.ReadFile(filepath.Join(b.dir, "DevToolsActivePort")); err == nil {
			if port, _, _ := strings.Cut(string(data), "\n"); port != "" {
				return strings.TrimSpace(port), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("browser: Chromium did not open its DevTools port: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func pageSocket(ctx context.Context, port string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/json/list", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var targets []struct {
		Type string `json:"type"`
		WS   string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(res.Body).Decode(&targets); err != nil {
		return "", err
	}
	for _, t := range targets {
		if t.Type == "page" && t.WS != "" {
			return t.WS, nil
		}
	}
	return "", errors.New("browser: no page target yet")
}

func (b *Browser) readLoop() {
	defer close(b.done)
	for {
		msg, err := b.ws.read()
		if err != nil {
			b.mu.Lock()
			b.err = fmt.Errorf("browser: DevTools connection ended: %w", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m struct {
			ID int64 `json:"id"`
			reply
		}
		if json.Unmarshal(msg, &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	}
}

// Call sends one DevTools command and returns its result.
func (b *Browser) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return nil, b.err
	}
	b.next++
	id := b.next
	ch := make(chan reply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := b.ws.write(0x1, msg); err != nil {
		return nil, fmt.Errorf("browser: %s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		switch {
		case !ok:
			return nil, b.err
		case r.Error != nil:
			return nil, fmt.Errorf("browser: %s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("browser: %s: %w", method, ctx.Err())
	}
}

// Close ends Chromium and its helper processes and removes its profile.
func (b *Browser) Close() {
	if b.ws != nil {
		_ = b.ws.close()
	}
	if b.cmd.Process != nil {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		_ = b.cmd.Wait()
	}
	os.RemoveAll(b.dir)
}
