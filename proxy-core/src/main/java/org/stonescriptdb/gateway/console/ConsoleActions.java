package org.stonescriptdb.gateway.console;

/** What the admin console may do to the process, beyond reading it. */
public interface ConsoleActions {

    /** Looks for renewed TLS files now; returns what it did, for the answer. */
    String reload();

    /** Begins a graceful stop of the whole gateway; false when this gateway cannot be stopped from here. */
    boolean shutdown();
}
