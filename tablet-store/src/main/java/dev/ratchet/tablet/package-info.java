/**
 * The tablet store's replicated state machine (DESIGN.md §4): {@link
 * dev.ratchet.tablet.TabletStateMachine} is the one public entry point; commands, results, queries
 * and the snapshot are the protobuf messages in {@code dev.ratchet.tablet.proto} ({@code
 * tablet.proto}). Everything else in this package is package-private.
 *
 * <p>Implementation notes. State is split by concern: {@code Ring} (tablets and ring ranges),
 * {@code StripeAllocator} (free, reserved, pending-trim stripes), {@code SectorArray} (geometry,
 * slots, death records), {@code DataKeys}, {@code WriterAuthority} (RFC 6979 signing), {@code
 * CacheNodes}, {@code MeasurementPolicy} and {@code IdempotencyWindow}. Handlers ({@code
 * TabletCommands}, {@code ArrayCommands}, {@code ClusterCommands}) validate the whole command
 * before their first mutation, and the mutations after validation cannot fail on valid state.
 * {@code TabletState.checkInvariants} states the cross-structure invariants and runs on restore and
 * after every step in the randomized tests.
 */
package dev.ratchet.tablet;
