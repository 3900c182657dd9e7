/**
 * The cache node: a stateless, attested process that serves the client protocol, batches writes
 * per tablet into whole-tablet versions, seals each version (ChaCha20 + HMAC-SHA-256) onto
 * erasure-coded stripes in the sector array, and commits it through the Raft tablet store.
 */
package dev.ratchet.cache;
