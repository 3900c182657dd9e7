/**
 * The Ratchet Java client: {@code RatchetClient} and the KV wire protocol (kv.proto) it speaks to
 * attested cache nodes.
 *
 * <p>Public: {@link dev.ratchet.client.RatchetClient} (built by its builder), the values it returns
 * ({@link dev.ratchet.client.VersionedValue}, {@link dev.ratchet.client.CasResult}), what
 * compare-and-set expects ({@link dev.ratchet.client.Expectation}), its one exception ({@link
 * dev.ratchet.client.RatchetException} with an {@link dev.ratchet.client.ErrorCode}) and the size
 * {@link dev.ratchet.client.Limits}. Routing, retries, failure mapping and channels are
 * package-private.
 */
package dev.ratchet.client;
