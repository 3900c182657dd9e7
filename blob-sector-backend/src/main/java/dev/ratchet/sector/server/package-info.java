/**
 * The sector server: {@link dev.ratchet.sector.server.SectorServer}, which holds 4096-byte sectors in
 * TEE RAM and serves them over attested gRPC; {@link dev.ratchet.sector.server.WriterAuthority}, the
 * signer of the authorized-writer sets it accepts; and {@link dev.ratchet.sector.server.TestHooks},
 * INSECURE RAM access for tests on the simulated platform. Everything else here is internal.
 */
package dev.ratchet.sector.server;
