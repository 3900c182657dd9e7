/**
 * The Ratchet Java client: {@code RatchetClient} and the KV wire protocol (kv.proto) it speaks to
 * attested cache nodes.
 */
package dev.ratchet.client;
