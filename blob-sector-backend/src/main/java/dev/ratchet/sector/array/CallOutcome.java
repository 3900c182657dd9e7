package dev.ratchet.sector.array;

import java.util.Objects;

/**
 * Whether one device call the array made was answered: the unit in which a cache node judges a
 * server's liveness. A call that covered many stripes is still one outcome, so one slow read of a
 * large tablet is one strike against its server, not one per stripe.
 *
 * @param slot the slot whose server was called
 * @param nodeId the node id of that server
 * @param answered whether the server replied within the call timeout (with data, a refusal or a
 *     lie: any reply shows it is up and reachable); false for a timeout or a broken connection
 */
public record CallOutcome(int slot, String nodeId, boolean answered) {
    /** Creates the outcome. */
    public CallOutcome {
        Objects.requireNonNull(nodeId, "nodeId");
    }
}
