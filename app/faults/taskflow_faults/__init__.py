"""Fault modes for rollout tests. Only the Dockerfile's `faults` target contains this
package; the production image (the final target) cannot enable any of them."""
