package org.stonescriptdb.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bare-bytes PostgreSQL v3 client for the start-up and pipelining cases that pgjdbc and psql never produce.
 * Every read has a deadline, so a proxy that says nothing fails the test instead of hanging it.
 */
public final class WireClient implements AutoCloseable {

    public static final int PROTOCOL_3_0 = 196608;
    public static final int PROTOCOL_3_2 = 196610;
    public static final int SSL_REQUEST = 80877103;
    public static final int GSSENC_REQUEST = 80877104;
    public static final int CANCEL_REQUEST = 80877102;

    /** One backend message: its type byte and its body (without the length word). */
    public record Message(char type, byte[] body) {
        public int int32(int offset) {
            return ByteBuffer.wrap(body, offset, 4).getInt();
        }

        /** ErrorResponse / NoticeResponse fields by their one-letter code. */
        public Map<Character, String> fields() {
            Map<Character, String> out = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) end++;
                out.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return out;
        }

        public String sqlState() {
            return fields().get('C');
        }

        @Override
        public String toString() {
            return type == 'E' || type == 'N' ? type + fields().toString() : type + "(" + body.length + " bytes)";
        }
    }

    /** How long any read waits for the peer. */
    public static final java.time.Duration READ_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public WireClient(int port) throws IOException {
        this("127.0.0.1", port);
    }

    /** Connects from {@code localAddress} (any 127.0.0.0/8 address works on loopback). */
    public WireClient(String localAddress, int port) throws IOException {
        socket = new Socket("127.0.0.1", port, java.net.InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Speaks over {@code socket}, which is already connected (a TLS socket, say). */
    public WireClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /**
     * TLS over this connection from here on (after an SSLRequest answered 'S'), the handshake done: a client for the
     * encrypted stream. {@code configure} may set ALPN and the like before the handshake.
     */
    public WireClient startTls(javax.net.ssl.SSLSocketFactory factory, String host,
                               java.util.function.Consumer<javax.net.ssl.SSLSocket> configure) throws IOException {
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) factory.createSocket(socket, host, socket.getPort(), true);
        tls.setUseClientMode(true);
        configure.accept(tls);
        tls.startHandshake();
        return new WireClient(tls);
    }

    public Socket socket() {
        return socket;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A length-prefixed packet with no type byte (start-up family). */
    public static byte[] untyped(int code, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(8 + payload.length).putInt(code).put(payload);
        return b.array();
    }

    public static byte[] startupPacket(int protocol, Map<String, String> params) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        params.forEach((k, v) -> {
            payload.writeBytes(cstring(k));
            payload.writeBytes(cstring(v));
        });
        payload.write(0);
        return untyped(protocol, payload.toByteArray());
    }

    public static byte[] typed(char type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.put((byte) type).putInt(4 + body.length).put(body);
        return b.array();
    }

    public static byte[] query(String sql) {
        return typed('Q', cstring(sql));
    }

    /** Parse (unnamed) + Bind (unnamed, no parameters) + Execute (all rows) + Sync. */
    public static byte[] extendedSync(String sql) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteArrayOutputStream parse = new ByteArrayOutputStream();
        parse.writeBytes(cstring(""));
        parse.writeBytes(cstring(sql));
        parse.writeBytes(new byte[] {0, 0});
        all.writeBytes(typed('P', parse.toByteArray()));
        // portal "", statement "", 0 param formats, 0 params, 0 result formats
        all.writeBytes(typed('B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0}));
        all.writeBytes(typed('E', new byte[] {0, 0, 0, 0, 0}));
        all.writeBytes(typed('S', new byte[0]));
        return all.toByteArray();
    }

    public static byte[] terminate() {
        return typed('X', new byte[0]);
    }

    public static byte[] cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    public int readByte() throws IOException {
        return in.readUnsignedByte();
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        if (length < 4 || length > 64 << 20) throw new IOException("bad message length " + length + " for type " + type);
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads messages up to and including the next one of the given type. */
    public java.util.List<Message> readUntil(char type) throws IOException {
        java.util.List<Message> out = new java.util.ArrayList<>();
        while (true) {
            Message m = read();
            out.add(m);
            if (m.type() == type) return out;
        }
    }

    /** True when the peer closes the connection (EOF or reset) before the deadline, with nothing more to read. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
