/**
 * Checkers of recorded histories: {@link dev.ratchet.chaos.checker.Linearizability} (a search per
 * key, with a budget and an UNKNOWN answer) and {@link dev.ratchet.chaos.checker.VersionOrder} (a
 * cheap check of versions along real time). Each answers a {@link
 * dev.ratchet.chaos.checker.Verdict}.
 */
package dev.ratchet.chaos.checker;
