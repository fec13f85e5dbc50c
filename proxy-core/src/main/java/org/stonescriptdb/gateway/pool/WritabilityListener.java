package org.stonescriptdb.gateway.pool;

/** An owner that wants to know when the backend's outbound buffer drains (to resume reading its client). */
public interface WritabilityListener {
    void backendWritabilityChanged(BackendConnection connection);
}
