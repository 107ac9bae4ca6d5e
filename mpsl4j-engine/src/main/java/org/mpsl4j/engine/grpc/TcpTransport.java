package org.mpsl4j.engine.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.engine.mpsl.MpslServer;

/**
 * The MPSL service over TCP (HTTP/2, gRPC's Netty transport), for a server and clients in separate
 * processes. The same {@link SplitLearningService} and {@link ClientRunner} run here as in the
 * in-process simulation; only the builders differ.
 *
 * <p>Both ends cap messages at {@code maxMessageBytes} (see {@link
 * org.mpsl4j.engine.mpsl.MessageLimits}): a bigger message is refused by the transport before it is
 * parsed. Keep-alives find peers that vanished without closing their connection (a phone that lost
 * its network), so their sessions end and later steps do not wait for them.
 */
public final class TcpTransport {
  private static final long KEEPALIVE_SECONDS = 20;

  private TcpTransport() {}

  /** Starts serving {@code server} on {@code host:port} (port 0 picks a free one; see {@link Server#getPort()}). */
  public static Server serve(MpslServer server, String host, int port, int maxMessageBytes) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveTime(KEEPALIVE_SECONDS / 2, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(new SplitLearningService(server))
        .build()
        .start();
  }

  /** A plaintext channel to a server started by {@link #serve}. */
  public static ManagedChannel connect(String host, int port, int maxMessageBytes) {
    return NettyChannelBuilder.forAddress(host, port)
        .usePlaintext()
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .build();
  }
}
