package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Navigate loads url in the page and waits until its document is complete.
func (b *Browser) Navigate(ctx context.Context, url string) error {
	res, err := b.Call(ctx, "Page.navigate", map[string]string{"url": url})
	if err != nil {
		return err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if json.Unmarshal(res, &nav) == nil && nav.ErrorText != "" {
		return fmt.Errorf("browser: navigate %s: %s", url, nav.ErrorText)
	}
	return b.WaitFor(ctx, `document.readyState === "complete"`)
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise) and returns its value
// as JSON; a thrown exception is an error.
func (b *Browser) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	res, err := b.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return nil, err
	}
	var out struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return nil, fmt.Errorf("browser: evaluate: %w", err)
	}
	if out.Exception != nil {
		return nil, fmt.Errorf("browser: evaluate %q: %s %s", expr, out.Exception.Text, out.Exception.Exception.Description)
	}
	return out.Result.Value, nil
}

// String evaluates an expression whose value is a string.
func (b *Browser) String(ctx context.Context, expr string) (string, error) {
	v, err := b.Eval(ctx, expr)
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("browser: %q is %s, not a string", expr, v)
	}
	return s, nil
}

// WaitFor evaluates cond every 50ms until it is true. Errors while a navigation replaces the
// document are retried; the last one is reported if ctx ends first.
func (b *Browser) WaitFor(ctx context.Context, cond string) error {
	var last error
	for {
		v, err := b.Eval(ctx, cond)
		if err == nil && string(v) == "true" {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("browser: waiting for %s: %w (last error: %v)", cond, ctx.Err(), last)
		case <-b.done:
			return b.err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Fill sets the value of the input or select matched by a CSS selector, as typing would
// (input and change events fire).
func (b *Browser) Fill(ctx context.Context, selector, value string) error {
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	_, err := b.Eval(ctx, `(() => { const e = document.querySelector(`+string(sel)+`);
		if (!e) throw new Error("no element "+`+string(sel)+`);
		e.focus(); e.value = `+string(val)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`)
	return err
}

// Click clicks the element matched by a CSS selector.
func (b *Browser) Click(ctx context.Context, selector string) error {
	sel, _ := json.Marshal(selector)
	_, err := b.Eval(ctx, `(() => { const e = document.querySelector(`+string(sel)+`);
		if (!e) throw new Error("no element "+`+string(sel)+`); e.click(); })()`)
	return err
}

// Screenshot returns a PNG of the page as it is shown now (for a test's failure report, or for
// a person to look at).
func (b *Browser) Screenshot(ctx context.Context) ([]byte, error) {
	res, err := b.Call(ctx, "Page.captureScreenshot", map[string]string{"format": "png"})
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []byte `json:"data"` // base64 in the JSON, decoded by encoding/json
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return nil, fmt.Errorf("browser: screenshot: %w", err)
	}
	return out.Data, nil
}
