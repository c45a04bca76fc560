// Package sdk is a Go client for the Basiq open-banking API: the whole
// surface of the official Node SDK (basiq-sdk-nodejs 1.1.x), Go-shaped.
package sdk
