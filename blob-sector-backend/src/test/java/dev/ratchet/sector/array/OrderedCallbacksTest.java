package dev.ratchet.sector.array;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderedCallbacksTest {
    @Test
    void execute_fromInsideATask_runsAfterItInOrder() {
        OrderedCallbacks callbacks = new OrderedCallbacks();
        List<String> trace = new ArrayList<>();

        callbacks.execute(() -> {
            trace.add("a-start");
            callbacks.execute(() -> trace.add("b"));
            callbacks.execute(() -> trace.add("c"));
            trace.add("a-end");
        });

        assertEquals(List.of("a-start", "a-end", "b", "c"), trace);
    }

    @Test
    void execute_afterAThrowingTask_keepsRunning() {
        OrderedCallbacks callbacks = new OrderedCallbacks();
        List<String> trace = new ArrayList<>();

        callbacks.execute(() -> {
            throw new IllegalStateException("callback bug");
        });
        callbacks.execute(() -> trace.add("after"));

        assertEquals(List.of("after"), trace);
    }
}
