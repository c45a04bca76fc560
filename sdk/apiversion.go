package sdk

// APIVersion returns the basiq-version the client sends ("1.0" unless
// WithAPIVersion set another), so that a caller can choose between the
// credential calls of 1.0-2.x and API 3.0's consent flow.
func (c *Client) APIVersion() string { return c.cfg.version }
