package org.stonescriptdb.gateway.config;

import java.util.List;

/**
 * Where the gateway listens, and whom it lets in.
 *
 * @param gatewayHost     the address both ports bind to ({@code GATEWAY_HOST})
 * @param gatewayPort     the HTTP side-port ({@code GATEWAY_PORT}); 0 lets the operating system choose
 * @param proxyPort       the PostgreSQL wire protocol ({@code PROXY_PORT}); 0 likewise
 * @param allowedNetworks the networks a client of either port must come from ({@code ALLOWED_NETWORKS})
 */
public record Listeners(String gatewayHost, int gatewayPort, int proxyPort, List<Cidr> allowedNetworks) {

    public Listeners {
        allowedNetworks = List.copyOf(allowedNetworks);
    }

    public Listeners withPorts(int newGatewayPort, int newProxyPort) {
        return new Listeners(gatewayHost, newGatewayPort, newProxyPort, allowedNetworks);
    }

    public Listeners withAllowedNetworks(List<Cidr> networks) {
        return new Listeners(gatewayHost, gatewayPort, proxyPort, networks);
    }
}
