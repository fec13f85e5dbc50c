package org.stonescriptdb.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One raw TCP connection to the HTTP port, for what an HTTP client library hides: half-sent requests, silence,
 * keep-alive connections kept open on purpose, and seeing whether the server closed the connection.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    public static RawHttp connect(int port) {
        try {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            return new RawHttp(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends text as it is (CRLFs included by the caller); false when the server has already closed. */
    public boolean send(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A GET with keep-alive (HTTP/1.1's default). */
    public static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** One answer: the status code and the body (by Content-Length); -1 when the connection ended first. */
    public record Answer(int status, String body) {
    }

    public Answer readAnswer() {
        try {
            String statusLine = line();
            if (statusLine == null) return new Answer(-1, "");
            int length = 0;
            for (String header; (header = line()) != null && !header.isEmpty(); ) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(header.substring(15).strip());
            }
            byte[] body = in.readNBytes(length);
            return new Answer(Integer.parseInt(statusLine.split(" ")[1]), new String(body, StandardCharsets.UTF_8));
        } catch (SocketException e) {
            return new Answer(-1, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits up to {@code within} for the server to close this connection (end of stream or reset), discarding
     * anything it sends; false when it is still open then.
     */
    public boolean closedByServerWithin(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            byte[] sink = new byte[8192];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) return false;
                socket.setSoTimeout((int) left);
                if (in.read(sink) < 0) return true;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') return b.toString(StandardCharsets.ISO_8859_1).stripTrailing();
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
