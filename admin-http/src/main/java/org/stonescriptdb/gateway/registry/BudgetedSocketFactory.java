package org.stonescriptdb.gateway.registry;

import javax.net.SocketFactory;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The sockets of the side-port's PostgreSQL connections (pgjdbc's {@code socketFactory}, made by name, hence
 * public with a no-argument constructor): every read is charged to the reading thread's {@link ReadBudget}.
 */
public final class BudgetedSocketFactory extends SocketFactory {

    @Override
    public Socket createSocket() {
        return new BudgetedSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private static Socket connected(InetSocketAddress remote) throws IOException {
        Socket s = new BudgetedSocket();
        s.connect(remote);
        return s;
    }

    private static Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = new BudgetedSocket();
        s.bind(local);
        s.connect(remote);
        return s;
    }

    private static final class BudgetedSocket extends Socket {
        @Override
        public InputStream getInputStream() throws IOException {
            return new BudgetedInput(super.getInputStream());
        }
    }

    private static final class BudgetedInput extends FilterInputStream {
        BudgetedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            ReadBudget.charge(0);
            int b = in.read();
            if (b >= 0) ReadBudget.charge(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            ReadBudget.charge(0);
            int n = in.read(b, off, ReadBudget.allowed(len));
            ReadBudget.charge(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            ReadBudget.charge(0);
            long skipped = in.skip(Math.min(n, ReadBudget.allowed((int) Math.min(n, Integer.MAX_VALUE))));
            ReadBudget.charge(skipped);
            return skipped;
        }
    }
}
