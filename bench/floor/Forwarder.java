import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * The cheapest proxy Netty allows, to measure the floor under the gateway: one io_uring event loop, each client
 * connection joined to a server connection of its own, every read written to the other side untouched (the read
 * buffer itself, no copy, no slice) and flushed at the end of the read. No protocol, no pooling: what it costs per
 * transaction is what Netty's transport and pipeline cost, and the gateway's CPU above it is the gateway's own.
 *
 * <p>Usage: {@code java -cp <gateway jar>:<dir> Forwarder <listen port> <server port>} (both on 127.0.0.1).
 */
public final class Forwarder {

    public static void main(String[] args) throws InterruptedException {
        int listenPort = Integer.parseInt(args[0]);
        int serverPort = Integer.parseInt(args[1]);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        new ServerBootstrap().group(loop).channel(IoUringServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false) // until its server connection is there
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel client) {
                        Relay toServer = new Relay();
                        client.pipeline().addLast(toServer);
                        Relay toClient = new Relay();
                        new Bootstrap().group(client.eventLoop()).channel(IoUringSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true).handler(toClient)
                                .connect("127.0.0.1", serverPort).addListener((ChannelFutureListener) f -> {
                                    if (!f.isSuccess()) {
                                        client.close();
                                        return;
                                    }
                                    toServer.peer = f.channel();
                                    toClient.peer = client;
                                    client.config().setAutoRead(true);
                                });
                    }
                }).bind("127.0.0.1", listenPort).sync();
        System.out.println("forwarding 127.0.0.1:" + listenPort + " to 127.0.0.1:" + serverPort);
        Thread.currentThread().join();
    }

    /** Writes what one side reads to the other side, and closes the other side with it. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        Channel peer;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null) peer.close();
        }
    }
}
