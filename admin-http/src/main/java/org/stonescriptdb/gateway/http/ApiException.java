package org.stonescriptdb.gateway.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that cannot be served, as the HTTP status and the seed 000 §7.2 error body. Thrown from
 * endpoint code anywhere below the router; {@link AdminServer} turns it into the JSON answer.
 *
 * @param extra more fields for the body (e.g. the deployment report and {@code schema_validation} of a 422)
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String error;
    private final String platform;
    private final String tenantId;
    private final Map<String, Object> extra;

    public ApiException(int status, String error, String message) {
        this(status, error, message, null, null, Map.of());
    }

    public ApiException(int status, String error, String message, String platform, String tenantId, Map<String, Object> extra) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
        this.platform = platform;
        this.tenantId = tenantId;
        this.extra = extra;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException notFound(String error, String message, String platform, String tenantId) {
        return new ApiException(404, error, message, platform, tenantId, Map.of());
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    /** The JSON body: error, message, platform and tenant_id when known, then any extra fields. */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", getMessage());
        if (platform != null) body.put("platform", platform);
        if (tenantId != null) body.put("tenant_id", tenantId);
        body.putAll(extra);
        return body;
    }
}
