package org.stonescriptdb.gateway.config;

/** A configuration value that cannot be used; the message is one line naming the variable and the accepted form. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
