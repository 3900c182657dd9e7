/**
 * The array client: {@link dev.ratchet.sector.array.SectorArray} stores blobs as erasure-coded
 * stripes across sector servers, each reached through a {@link dev.ratchet.sector.array.SectorDevice}.
 *
 * <p>Public: the array and its builder, its results ({@link dev.ratchet.sector.array.StripeWrite},
 * {@link dev.ratchet.sector.array.ArrayHealth}, {@link dev.ratchet.sector.array.RebuildProgress}),
 * its fault record ({@link dev.ratchet.sector.array.ShardFault}) and typed failures ({@link
 * dev.ratchet.sector.array.ArrayReadException}, {@link dev.ratchet.sector.array.ArrayWriteException}),
 * and the device seam. Everything else is package-private: the pure layout, digest and shard-choice
 * functions, and the completion-driven batch pipeline that drives the devices.
 */
package dev.ratchet.sector.array;
