/**
 * Apache Ratis, hardened and diskless for Ratchet: a {@link dev.ratchet.raft.RaftNode} runs any
 * deterministic {@link dev.ratchet.raft.ReplicatedApplication} with its log on a RAM filesystem, a
 * hash chain checked against the leader's checkpoints, and in-memory snapshots; {@link
 * dev.ratchet.raft.RaftAdmin} bootstraps and changes membership, and {@link
 * dev.ratchet.raft.RaftGroupClient} submits and reads with bounded retries. Every Ratis port uses
 * attested mutual TLS, and Raft peer ids are attested node ids, bound to the addresses they are
 * expected at and to the ids inside every Raft RPC; client requests pass the application's {@link
 * dev.ratchet.raft.RequestAuthorizer}, which sees the attested identity of their sender.
 */
package dev.ratchet.raft;
