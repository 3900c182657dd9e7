package dev.ratchet.sector.array;

import dev.ratchet.sector.codec.CauchyCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device calls as the array makes them: each bounded by the array's own call timeout, every failure
 * turned into a {@link SectorDeviceException}, replies checked for shape, and faults counted and
 * reported.
 *
 * <p>The array applies its own timeout rather than trusting each device to: a device that never
 * answers must still become an erasure, or one hung server would stall every read.
 */
final class SlotCalls {
    private static final Logger log = LoggerFactory.getLogger(SlotCalls.class);

    private final ScheduledExecutorService scheduler;
    private final long callTimeoutMillis;
    private final Consumer<ShardFault> faultListener;
    private final Consumer<CallOutcome> callListener;

    SlotCalls(
            ScheduledExecutorService scheduler,
            long callTimeoutMillis,
            Consumer<ShardFault> faultListener,
            Consumer<CallOutcome> callListener) {
        this.scheduler = scheduler;
        this.callTimeoutMillis = callTimeoutMillis;
        this.faultListener = faultListener;
        this.callListener = callListener;
    }

    /** Reads sectors from a slot's server; the reply is checked to hold one 4096-byte sector per index. */
    CompletableFuture<List<byte[]>> read(Slot slot, long[] sectorIndices) {
        return bounded(slot, () -> slot.device().read(sectorIndices))
                .thenApply(sectors -> checkReply(slot.device(), sectorIndices, sectors));
    }

    /** Writes sectors to a slot's server. */
    CompletableFuture<Void> write(Slot slot, long[] sectorIndices, List<byte[]> sectors) {
        return bounded(slot, () -> slot.device().write(sectorIndices, sectors));
    }

    /** Trims sectors on a slot's server. */
    CompletableFuture<Void> trim(Slot slot, long[] sectorIndices) {
        return bounded(slot, () -> slot.device().trim(sectorIndices));
    }

    /** Asks a slot's server for its status: a call that moves no sectors, to learn whether it answers. */
    CompletableFuture<Void> probe(Slot slot) {
        return bounded(slot, () -> slot.device().status()).thenApply(status -> null);
    }

    /** Counts a fault against the slot's server and tells the listener, unless the slot simply is not live. */
    void report(Slot slot, ShardFault fault) {
        if (fault.kind() == ShardFault.Kind.SLOT_NOT_LIVE) {
            return;
        }
        slot.counters().count(fault.kind());
        try {
            faultListener.accept(fault);
        } catch (RuntimeException e) {
            // A faulty listener must not break the read or write that found the fault.
            log.warn("fault listener threw on {}", fault, e);
        }
    }

    /** Returns the fault a failed call means for one of its stripes. */
    static ShardFault faultOf(Slot slot, long sectorIndex, Throwable failure) {
        Throwable cause = BatchPipeline.unwrap(failure);
        return new ShardFault(slot.index(), slot.device().nodeId(), sectorIndex, kindOf(cause), String.valueOf(cause));
    }

    /** Returns the fault kind of a failed call's cause: anything but a documented reply is UNAVAILABLE. */
    private static ShardFault.Kind kindOf(Throwable cause) {
        if (!(cause instanceof SectorDeviceException deviceFailure)) {
            return ShardFault.Kind.UNAVAILABLE;
        }
        return switch (deviceFailure.kind()) {
            case UNAVAILABLE -> ShardFault.Kind.UNAVAILABLE;
            case REFUSED -> ShardFault.Kind.REFUSED;
            case BAD_PROOF -> ShardFault.Kind.BAD_PROOF;
            case MALFORMED_REPLY -> ShardFault.Kind.MALFORMED_REPLY;
        };
    }

    private <T> CompletableFuture<T> bounded(Slot slot, Supplier<CompletableFuture<T>> call) {
        SectorDevice device = slot.device();
        CompletableFuture<T> result = new CompletableFuture<>();
        ScheduledFuture<?> timer = scheduler.schedule(
                () -> result.completeExceptionally(new SectorDeviceException(
                        SectorDeviceException.Kind.UNAVAILABLE,
                        device.nodeId(),
                        null,
                        "no answer within " + callTimeoutMillis + " ms",
                        null)),
                callTimeoutMillis,
                TimeUnit.MILLISECONDS);
        CompletableFuture<T> started;
        try {
            started = call.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        started.whenComplete((value, failure) -> {
            timer.cancel(/* mayInterruptIfRunning= */ false);
            if (failure == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(BatchPipeline.unwrap(failure));
            }
        });
        // Told once per call, whichever of the reply and the timer came first.
        result.whenComplete(
                (value, failure) -> tell(new CallOutcome(slot.index(), device.nodeId(), answered(failure))));
        return result;
    }

    /** Returns whether a call that ended with {@code failure} (null for success) got a reply. */
    private static boolean answered(Throwable failure) {
        return failure == null || kindOf(BatchPipeline.unwrap(failure)) != ShardFault.Kind.UNAVAILABLE;
    }

    private void tell(CallOutcome outcome) {
        try {
            callListener.accept(outcome);
        } catch (RuntimeException e) {
            log.warn("call listener threw on {}", outcome, e);
        }
    }

    private static List<byte[]> checkReply(SectorDevice device, long[] sectorIndices, List<byte[]> sectors) {
        if (sectors == null || sectors.size() != sectorIndices.length) {
            throw malformed(
                    device,
                    "expected " + sectorIndices.length + " sectors, got "
                            + (sectors == null ? "none" : sectors.size()));
        }
        for (int i = 0; i < sectors.size(); i++) {
            byte[] sector = sectors.get(i);
            if (sector == null || sector.length != CauchyCode.SECTOR_SIZE_BYTES) {
                throw malformed(
                        device,
                        "sector " + sectorIndices[i] + " is "
                                + (sector == null ? "missing" : sector.length + " bytes"));
            }
        }
        return sectors;
    }

    private static SectorDeviceException malformed(SectorDevice device, String detail) {
        return new SectorDeviceException(
                SectorDeviceException.Kind.MALFORMED_REPLY, device.nodeId(), null, detail, null);
    }
}
