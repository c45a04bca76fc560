// Package deploy holds no code: its tests check the repository's docker-compose.yml against
// the worker's configuration (config.Worker), so the two cannot drift apart.
package deploy
