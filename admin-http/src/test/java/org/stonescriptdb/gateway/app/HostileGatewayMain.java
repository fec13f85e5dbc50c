package org.stonescriptdb.gateway.app;

import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's real start and stop ({@link GatewayMain#startOrExit}, {@link StopSignals}), run in a child JVM by
 * {@link ProcessEndsTest}, with one hostile act against the running proxy, named by the only argument. Test code only:
 * nothing here is in the gateway's jar. Prints {@code hostile: <act> begins} on stdout just before the act and
 * {@code hostile: <act> under way} once it is.
 */
public final class HostileGatewayMain {

    /** Filled by {@code heap-exhausted-in-a-loop-task} and kept: the heap stays full while the gateway reports and halts. */
    private static final List<long[]> HOARD = new ArrayList<>();

    private HostileGatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        GatewayApplication app = GatewayMain.startOrExit(new String[0]);
        StopSignals.install(app);
        String act = args[0];
        say("hostile: " + act + " begins");
        switch (act) {
            case "out-of-memory-in-a-loop-task" -> app.proxy().eventLoops().next().execute(() -> {
                long[] tooBig = new long[256 << 20]; // 2 GB, far beyond the child's heap
                tooBig[0] = 1;
            });
            case "heap-exhausted-in-a-loop-task" -> app.proxy().eventLoops().next().execute(() -> {
                while (true) HOARD.add(new long[128 * 1024]);
            });
            default -> throw new IllegalArgumentException("unknown act " + act);
        }
        say("hostile: " + act + " under way");
        app.awaitStopped();
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
