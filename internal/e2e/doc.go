// Package e2e holds end-to-end tests that drive the SDK, the fake Basiq
// server and a real headless Chromium together over HTTP, as a partner's
// application would. It has no code of its own: the SDK may not import
// internal packages, so tests that need internal/browser live here.
package e2e
