/**
 * Apache Ratis, hardened for Ratchet: attested mutual-TLS channels per Ratis port, and Raft peer
 * ids that are attested node ids, bound to the addresses they are expected at.
 */
package dev.ratchet.raft;
