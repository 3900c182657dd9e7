/**
 * The sector array's erasure code: {@link dev.ratchet.sector.codec.CauchyCode}, a bit-sliced Cauchy
 * Reed-Solomon code over 4096-byte sectors. Everything else in this package is internal to it.
 */
package dev.ratchet.sector.codec;
