package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.config.ClientAuth;
import org.stonescriptdb.gateway.metrics.GatewayMetrics;
import org.stonescriptdb.gateway.proxy.GatewayProxy;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.DatabaseConnections;
import org.stonescriptdb.gateway.registry.PlatformRegistry;
import org.stonescriptdb.gateway.registry.PlatformRoles;
import org.stonescriptdb.gateway.registry.WireCredentials;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Every route of the side-port, wired to the services they use. */
public final class AdminApi {

    private AdminApi() {
    }

    public static List<Endpoint.Route> routes(ApiKeys keys, HealthHandler health, BackendDatabases backend,
                                              PlatformRegistry registry, PlatformRoles roles, GatewayProxy proxy,
                                              DatabaseConnections connections, GatewayMetrics metrics, SchemaEngine engine,
                                              long maxResultBytes, DeployOptions deployOptions, WireCredentials wireCredentials,
                                              ClientAuth clientAuth) {
        Deployments deployments = new Deployments(keys, backend, registry, roles, proxy, connections, metrics, engine, deployOptions);
        List<Endpoint.Route> routes = new ArrayList<>();
        routes.add(new Endpoint.Route("GET", "/health", health));
        routes.add(new Endpoint.Route("GET", "/health/live", health.liveness()));
        routes.add(new Endpoint.Route("GET", "/metrics",
                request -> Endpoint.Reply.text(metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8")));
        routes.addAll(new CallEndpoints(keys, backend, connections, metrics, maxResultBytes).routes());
        routes.addAll(new DeployEndpoints(deployments).routes());
        routes.addAll(new RegistryEndpoints(deployments).routes());
        routes.addAll(new VersionEndpoints(deployments).routes());
        routes.addAll(new WireCredentialEndpoints(deployments, wireCredentials, clientAuth).routes());
        return routes;
    }
}
