package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.config.ClientAuth;
import org.stonescriptdb.gateway.registry.WireCredentials;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A platform's wire credentials ({@code CLIENT_AUTH=password}): create (the password is in that answer and nowhere
 * else, ever), rotate with a grace period for the old one, list without secrets, delete. Admin key only.
 */
final class WireCredentialEndpoints {

    private final Deployments d;
    private final WireCredentials credentials;
    private final ClientAuth clientAuth;

    WireCredentialEndpoints(Deployments deployments, WireCredentials credentials, ClientAuth clientAuth) {
        this.d = deployments;
        this.credentials = credentials;
        this.clientAuth = clientAuth;
    }

    List<Endpoint.Route> routes() {
        return List.of(
                new Endpoint.Route("POST", "/platform/{platform}/credentials", this::create),
                new Endpoint.Route("POST", "/platform/{platform}/credentials/rotate", this::rotate),
                new Endpoint.Route("GET", "/platform/{platform}/credentials", this::list),
                new Endpoint.Route("DELETE", "/platform/{platform}/credentials", this::delete));
    }

    private String platform(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        d.requirePlatform(platform);
        return platform;
    }

    Endpoint.Reply create(Request request) throws Exception {
        String platform = platform(request);
        try {
            return Endpoint.Reply.json(201, issued(credentials.create(platform)));
        } catch (WireCredentials.Conflict e) {
            throw new ApiException(409, "credential_exists", e.getMessage(), platform, null, Map.of());
        }
    }

    Endpoint.Reply rotate(Request request) throws Exception {
        String platform = platform(request);
        Duration grace = grace(request.param("grace_seconds"));
        try {
            return Endpoint.Reply.json(200, issued(credentials.rotate(platform, grace)));
        } catch (WireCredentials.Conflict e) {
            throw ApiException.notFound("credential_not_found", e.getMessage(), platform, null);
        }
    }

    Endpoint.Reply list(Request request) throws Exception {
        String platform = platform(request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", platform);
        body.put("user", platform);
        body.put("client_auth", clientAuth.passwordRequired() ? "password" : "address");
        body.put("credentials", credentials.list(platform).stream().map(s -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("created_at", s.createdAt().toString());
            one.put("valid_until", s.validUntil() == null ? null : s.validUntil().toString());
            return one;
        }).toList());
        return Endpoint.Reply.json(200, body);
    }

    Endpoint.Reply delete(Request request) throws Exception {
        String platform = platform(request);
        int deleted = credentials.delete(platform);
        if (deleted == 0) throw ApiException.notFound("credential_not_found", "platform " + platform + " has no wire credential", platform, null);
        return Endpoint.Reply.json(200, Map.of("platform", platform, "deleted", deleted));
    }

    private Map<String, Object> issued(WireCredentials.Issued issued) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", issued.platform());
        body.put("user", issued.user());
        body.put("password", issued.password());
        body.put("created_at", issued.createdAt().toString());
        if (issued.previousValidUntil() != null) body.put("previous_valid_until", issued.previousValidUntil().toString());
        body.put("client_auth", clientAuth.passwordRequired() ? "password" : "address");
        body.put("note", "the password is shown only in this answer; the gateway keeps a SCRAM verifier of it");
        return body;
    }

    private static Duration grace(String text) {
        if (text == null) return WireCredentials.DEFAULT_GRACE;
        long seconds;
        try {
            seconds = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("grace_seconds must be a whole number of seconds, got '" + text + "'");
        }
        if (seconds < 0 || seconds > WireCredentials.MAX_GRACE.toSeconds()) {
            throw ApiException.badRequest("grace_seconds must be between 0 and " + WireCredentials.MAX_GRACE.toSeconds() + " (30 days), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
