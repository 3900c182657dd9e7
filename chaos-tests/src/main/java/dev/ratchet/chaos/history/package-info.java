/**
 * The history of a chaos run: {@link dev.ratchet.chaos.history.Op} lines in a JSON Lines {@link
 * dev.ratchet.chaos.history.HistoryFile}, written as events happen.
 */
package dev.ratchet.chaos.history;
