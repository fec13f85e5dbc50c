package org.stonescriptdb.gateway.http;

import java.nio.ByteBuffer;
import java.util.List;

/** One endpoint's work, on a virtual thread: blocking JDBC and deploys are fine; the answer is returned whole. */
@FunctionalInterface
public interface Endpoint {

    Reply handle(Request request) throws Exception;

    /**
     * The whole answer: a status and a body serialised as JSON, or sent as-is when it is text or JSON already
     * written ({@link #jsonBytes}).
     */
    record Reply(int status, Object body, String contentType) {

        public static Reply json(int status, Object body) {
            return new Reply(status, body, "application/json");
        }

        /** JSON already written, in parts sent one after the other (never joined into one copy). */
        public static Reply jsonBytes(int status, List<ByteBuffer> parts) {
            return new Reply(status, parts.toArray(ByteBuffer[]::new), "application/json");
        }

        public static Reply text(String body, String contentType) {
            return new Reply(200, body, contentType);
        }
    }

    /** A route: method, Undertow path template ({@code /platform/{platform}/schema}) and the endpoint. */
    record Route(String method, String path, Endpoint endpoint) {
    }
}
