package org.stonescriptdb.gateway.console;

import io.netty.channel.ChannelHandler;
import org.stonescriptdb.gateway.auth.ScramVerifier;
import org.stonescriptdb.gateway.auth.WireCredential;
import org.stonescriptdb.gateway.session.ConsoleAccess;
import org.stonescriptdb.gateway.session.SessionServices;
import org.stonescriptdb.gateway.session.StartupParameters;

import java.security.SecureRandom;
import java.util.List;
import java.util.Set;

/**
 * The admin console: a virtual database ({@code gateway}, and {@code pgbouncer} so existing tools find it) where the
 * admin — user {@code admin}, the admin key ({@code API_KEY_ADMIN}) as password, checked with SCRAM like any password
 * login — reads the pools and clients and acts on them with PgBouncer's commands. It admits no one without an admin
 * key, and only TLS clients while TLS is on.
 */
public final class AdminConsole implements ConsoleAccess {

    public static final Set<String> DATABASES = Set.of("gateway", "pgbouncer");
    /** What the console reports as its server version: a PostgreSQL version psql understands, and who answers. */
    static final String SERVER_VERSION = "16.0 (StoneScriptDB Gateway admin console)";

    private final SessionServices services;
    private final ConsoleActions actions;
    private final boolean tlsOn;
    /** The admin key's verifier (the key itself is not kept here); empty without one. Replaced when the key is reloaded. */
    private volatile List<WireCredential> adminKey;

    public AdminConsole(SessionServices services, boolean tlsOn, ConsoleActions actions) {
        this.services = services;
        this.actions = actions;
        this.tlsOn = tlsOn;
        adminKey(services.config().apiKeys().get("admin"));
    }

    /** The console's password from now on: the admin key (null: the console admits no one). */
    public void adminKey(String key) {
        if (key == null) {
            this.adminKey = List.of();
        } else {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            this.adminKey = List.of(new WireCredential(ScramVerifier.of(key, salt, 4096), null));
        }
    }

    /** The console's actions for a proxy: what {@code RELOAD} runs; a stop only where the application offers one. */
    public static ConsoleActions actions(java.util.function.Supplier<String> reload, java.util.function.Supplier<Runnable> shutdown) {
        return new ConsoleActions() {
            @Override
            public String reload() {
                return reload.get();
            }

            @Override
            public boolean shutdown() {
                Runnable stop = shutdown.get();
                if (stop == null) return false;
                Thread.ofPlatform().name("console-shutdown").start(stop);
                return true;
            }
        };
    }

    @Override
    public boolean names(String database) {
        return DATABASES.contains(database);
    }

    @Override
    public String refusal(boolean overTls) {
        if (adminKey.isEmpty()) return "the admin console needs API_KEY_ADMIN: set it, and log in as user admin with it as the password";
        if (tlsOn && !overTls) return "the admin console accepts only TLS connections while TLS is on: connect with sslmode=require or stronger";
        return null;
    }

    @Override
    public List<WireCredential> credentials() {
        return adminKey;
    }

    @Override
    public ChannelHandler open(StartupParameters params) {
        return new ConsoleSession(new ConsoleCommands(services, actions, SERVER_VERSION), params);
    }
}
