package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON body of every HTTP error (seed 000 §7.2): a stable machine-readable {@code error} code and a
 * sentence for people; {@code platform} and {@code tenant_id} only when the error is about one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, String message, String platform, String tenantId) {

    public static ErrorBody of(String error, String message) {
        return new ErrorBody(error, message, null, null);
    }
}
