package org.stonescriptdb.gateway.session;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway-issued BackendKeyData of every client session. A cancel request names a client session, never a
 * backend: the session decides which backend query (if any) it is running at that moment.
 */
public final class CancelRegistry {

    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, ClientSession> sessions = new ConcurrentHashMap<>();

    /** Registers a session under a fresh process id; returns {@code {processId, secret}}. */
    int[] register(ClientSession session) {
        int secret = random.nextInt();
        while (true) {
            int pid = 1 + random.nextInt(Integer.MAX_VALUE - 1);
            if (sessions.putIfAbsent(pid, session) == null) return new int[] {pid, secret};
        }
    }

    void unregister(int processId, ClientSession session) {
        sessions.remove(processId, session);
    }

    /**
     * Cancels the current query of the session with this key, if the key is right. {@code done} runs once the
     * server has taken the request, or at once when there was nothing to cancel: clients (pgjdbc, libpq) wait for
     * their cancel connection to close before they go on, so closing it early would let the cancel hit the
     * client's next query.
     */
    public void cancel(int processId, int secret, Runnable done) {
        ClientSession session = sessions.get(processId);
        if (session != null && constantTimeEquals(session.secretKey(), secret)) session.cancelRunningQuery(done);
        else done.run();
    }

    public int size() {
        return sessions.size();
    }

    private static boolean constantTimeEquals(int a, int b) {
        return MessageDigest.isEqual(ByteBuffer.allocate(4).putInt(a).array(), ByteBuffer.allocate(4).putInt(b).array());
    }
}
