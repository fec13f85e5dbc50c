package org.stonescriptdb.gateway.schema.history;

/** A routine the gateway deployed earlier, as remembered in the functions tracking table. */
public record TrackedFunction(String signature, String routineKind, String header, String checksum) {
}
