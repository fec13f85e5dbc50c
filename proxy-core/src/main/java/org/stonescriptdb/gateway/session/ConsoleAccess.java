package org.stonescriptdb.gateway.session;

import io.netty.channel.ChannelHandler;
import org.stonescriptdb.gateway.auth.WireCredential;

import java.util.List;

/**
 * The admin console's door in the start-up path: which database names lead to it, who may come in, and the session
 * that serves them once in. Implemented by {@code console.AdminConsole}; a proxy without one has no console.
 */
public interface ConsoleAccess {

    /** The user name the console admits. */
    String USER = "admin";

    /** Whether a client naming {@code database} is asking for the console rather than a platform database. */
    boolean names(String database);

    /** Why no one may log in to the console now (no admin key, plaintext while TLS is on), or null. */
    String refusal(boolean overTls);

    /** The verifier of the admin key: the console's password. */
    List<WireCredential> credentials();

    /** The session that serves a client who proved the admin key. */
    ChannelHandler open(StartupParameters params);

    static ConsoleAccess none() {
        return new ConsoleAccess() {
            @Override
            public boolean names(String database) {
                return false;
            }

            @Override
            public String refusal(boolean overTls) {
                return "no admin console";
            }

            @Override
            public List<WireCredential> credentials() {
                return List.of();
            }

            @Override
            public ChannelHandler open(StartupParameters params) {
                throw new IllegalStateException("no admin console");
            }
        };
    }
}
