package org.stonescriptdb.gateway.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What admits a wire client beyond {@code ALLOWED_NETWORKS}.
 *
 * @param mode             {@code CLIENT_AUTH}: the address alone, or the address and the platform's password (SCRAM-SHA-256)
 * @param platformNetworks {@code ALLOWED_NETWORKS_<PLATFORM>}: a platform whose clients must also come from one of these
 */
public record ClientAuth(Mode mode, Map<String, List<Cidr>> platformNetworks) {

    public enum Mode {
        /** Today's behaviour and a fresh install's default: any allowed address may open any database by name. */
        ADDRESS,
        /** A client also proves it knows a password of the database's platform (SCRAM-SHA-256, -PLUS over TLS). */
        PASSWORD
    }

    public ClientAuth {
        Objects.requireNonNull(mode, "mode");
        TreeMap<String, List<Cidr>> copy = new TreeMap<>();
        platformNetworks.forEach((platform, networks) -> copy.put(platform, List.copyOf(networks)));
        platformNetworks = java.util.Collections.unmodifiableMap(copy);
    }

    public static ClientAuth addressOnly() {
        return new ClientAuth(Mode.ADDRESS, Map.of());
    }

    public boolean passwordRequired() {
        return mode == Mode.PASSWORD;
    }

    /** Whether {@code address} may reach {@code platform}'s databases: true unless the platform has networks of its own without it. */
    public boolean admits(String platform, InetAddress address) {
        List<Cidr> networks = platformNetworks.get(platform);
        if (networks == null) return true;
        for (Cidr network : networks) if (network.contains(address)) return true;
        return false;
    }

    public ClientAuth withMode(Mode newMode) {
        return new ClientAuth(newMode, platformNetworks);
    }

    public ClientAuth withPlatformNetworks(String platform, List<Cidr> networks) {
        TreeMap<String, List<Cidr>> copy = new TreeMap<>(platformNetworks);
        copy.put(platform, networks);
        return new ClientAuth(mode, copy);
    }
}
