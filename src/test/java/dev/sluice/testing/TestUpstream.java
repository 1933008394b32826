package dev.sluice.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * A scriptable HTTP/1.1 upstream for integration tests, on a real socket on a free loopback port.
 *
 * <p>It counts connections and requests, records every request it received, and answers each according to a
 * {@link Behavior} chosen per request: a plain response, a delay, a hold until the test releases it (a stage per
 * request, or {@link Action#HOLD} and {@link #release(int)}), a connection
 * reset or close, a hang, a large streamed body, or a digest of the uploaded body (so a test can check a 200 MB
 * upload arrived intact without anyone buffering it).
 */
public final class TestUpstream implements AutoCloseable {
    /**
     * What the upstream does with one request. {@code HOLD} answers as {@code RESPOND} would, but only when the test
     * calls {@link #release(int)}: for requests that must stay in flight exactly as long as a test needs.
     */
    public enum Action { RESPOND, RESET, CLOSE, HANG, STREAM, DIGEST, ECHO_HEADERS, HOLD }

    /**
     * How to answer one request.
     *
     * @param action      what to do
     * @param status      response status
     * @param body        response body for RESPOND
     * @param delayMillis wait before answering
     * @param streamBytes body size for STREAM
     * @param headers     extra response headers
     * @param heldUntil   when set, the answer waits (after the whole request arrived) until this completes, then for
     *                    the delay; lets a test hold requests at the upstream for exactly as long as it needs
     */
    public record Behavior(Action action, int status, String body, long delayMillis, long streamBytes,
            Map<String, String> headers, CompletionStage<?> heldUntil) {
        public Behavior(Action action, int status, String body, long delayMillis, long streamBytes,
                Map<String, String> headers) {
            this(action, status, body, delayMillis, streamBytes, headers, null);
        }

        public static Behavior respond(int status, String body) {
            return new Behavior(Action.RESPOND, status, body, 0, 0, Map.of());
        }

        /** Answers {@code status} with {@code body} when the test releases it ({@link TestUpstream#release}). */
        public static Behavior hold(int status, String body) {
            return new Behavior(Action.HOLD, status, body, 0, 0, Map.of());
        }

        public static Behavior of(Action action) {
            return new Behavior(action, 200, "", 0, 0, Map.of());
        }

        public static Behavior stream(long bytes) {
            return new Behavior(Action.STREAM, 200, "", 0, bytes, Map.of());
        }

        public Behavior delayed(long millis) {
            return new Behavior(action, status, body, millis, streamBytes, headers, heldUntil);
        }

        /** This behaviour, answered only once {@code release} completes (normally or not). */
        public Behavior heldUntil(CompletionStage<?> release) {
            return new Behavior(action, status, body, delayMillis, streamBytes, headers, release);
        }

        public Behavior withHeader(String name, String value) {
            final Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Behavior(action, status, body, delayMillis, streamBytes, Map.copyOf(h), heldUntil);
        }
    }

    /**
     * A request as the upstream received it.
     *
     * @param method  request method
     * @param uri     request target as sent by the gateway
     * @param headers header names in lower case to all values, in order
     */
    public record Received(String method, String uri, Map<String, List<String>> headers) {
        public String header(String name) {
            final List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private final String name;
    private final MultiThreadIoEventLoopGroup group;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Channel> children = new CopyOnWriteArrayList<>();
    /** Answers of held requests, oldest first; each runs on its connection's event loop. */
    private final Queue<Held> held = new ConcurrentLinkedQueue<>();
    private volatile Function<Received, Behavior> responder;

    private TestUpstream(String name, int port) throws InterruptedException {
        this.name = name;
        this.responder = r -> Behavior.respond(200, name);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_LINGER, 0) // so RESET really sends RST
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        openConnections.incrementAndGet();
                        children.add(ch);
                        ch.closeFuture().addListener(f -> {
                            openConnections.decrementAndGet();
                            children.remove(ch);
                        });
                        ch.pipeline().addLast(new HttpServerCodec(8192, 65536, 65536), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).await();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS); // the port is taken: leave no thread behind
        }
        this.server = bound.sync().channel();
    }

    /** Starts an upstream named {@code name} (its default response body) on a free port. */
    public static TestUpstream start(String name) throws InterruptedException {
        return new TestUpstream(name, 0);
    }

    /** Starts an upstream on a given port (to restart one that was stopped). */
    public static TestUpstream startOn(String name, int port) throws InterruptedException {
        return new TestUpstream(name, port);
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Sets how every following request is answered. */
    public TestUpstream respondWith(Function<Received, Behavior> newResponder) {
        this.responder = newResponder;
        return this;
    }

    /** Connections accepted since start. */
    public int connections() {
        return connections.get();
    }

    public int openConnections() {
        return openConnections.get();
    }

    /** Request heads received since start. */
    public int requests() {
        return requests.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received lastRequest() {
        return received.isEmpty() ? null : received.get(received.size() - 1);
    }

    /** Requests held now ({@link Action#HOLD}) whose connection is still open. */
    public int held() {
        return (int) held.stream().filter(h -> h.ctx().channel().isActive()).count();
    }

    /**
     * Answers up to {@code n} held requests, oldest first, skipping those whose connection has closed; returns how
     * many it answered.
     */
    public int release(int n) {
        int released = 0;
        Held h;
        while (released < n && (h = held.poll()) != null) {
            if (h.ctx().channel().isActive()) {
                h.ctx().executor().execute(h.answer());
                released++;
            }
        }
        return released;
    }

    /** Answers every held request. */
    public void releaseAll() {
        release(Integer.MAX_VALUE);
    }

    /** Closes every accepted connection from the upstream's side, as a server does to idle keep-alives. */
    public void closeConnections() {
        children.forEach(Channel::close);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        children.forEach(Channel::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private Behavior behavior;
        private HttpRequest request;
        private long uploaded;
        private final CRC32 crc = new CRC32();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    request = (HttpRequest) msg;
                    if (request.decoderResult().isFailure()) {
                        ctx.close();
                        return;
                    }
                    requests.incrementAndGet();
                    final Received r = new Received(request.method().name(), request.uri(), copy(request.headers()));
                    received.add(r);
                    behavior = responder.apply(r);
                    uploaded = 0;
                    crc.reset();
                    if (behavior.action() == Action.RESET || behavior.action() == Action.CLOSE) {
                        act(ctx);
                        return;
                    }
                }
                if (msg instanceof HttpContent) {
                    final ByteBuf data = ((HttpContent) msg).content();
                    uploaded += data.readableBytes();
                    if (behavior != null && behavior.action() == Action.DIGEST && data.isReadable()) {
                        crc.update(data.nioBuffer());
                    }
                    if (msg instanceof LastHttpContent && behavior != null) {
                        final Behavior b = behavior;
                        if (b.heldUntil() != null) {
                            // The request stays unanswered until the test releases it; then as without a hold.
                            b.heldUntil().whenComplete((v, e) -> ctx.executor().schedule(() -> act(ctx),
                                    b.delayMillis(), TimeUnit.MILLISECONDS));
                        } else if (behavior.delayMillis() > 0) {
                            ctx.executor().schedule(() -> act(ctx), behavior.delayMillis(), TimeUnit.MILLISECONDS);
                        } else {
                            act(ctx);
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void act(ChannelHandlerContext ctx) {
            final Behavior b = behavior;
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            switch (b.action()) {
                case RESET, CLOSE -> ctx.close();
                case HANG -> { }
                case HOLD -> held.add(new Held(ctx, () -> write(ctx, full(b.status(), b.body(), b), keepAlive)));
                case STREAM -> streamBody(ctx, b, keepAlive);
                case DIGEST -> write(ctx, full(b.status(), "{\"bytes\":" + uploaded + ",\"crc\":" + crc.getValue()
                        + "}", b), keepAlive);
                case ECHO_HEADERS -> write(ctx, full(b.status(), request.method() + " " + request.uri() + "\n"
                        + headersText(request.headers()), b), keepAlive);
                default -> write(ctx, full(b.status(), b.body(), b), keepAlive);
            }
        }

        private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        }

        private FullHttpResponse full(int status, String body, Behavior b) {
            final ByteBuf bytes = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), bytes);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.readableBytes());
            r.headers().set("x-upstream", name);
            b.headers().forEach((k, v) -> r.headers().add(k, v));
            return r;
        }

        /** Streams {@code streamBytes} of a deterministic pattern, pausing while the socket is not writable. */
        private void streamBody(ChannelHandlerContext ctx, Behavior b, boolean keepAlive) {
            final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, b.streamBytes());
            head.headers().set("x-upstream", name);
            ctx.write(head);
            new Streamer(ctx, b.streamBytes(), keepAlive).run();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A held request: its connection, and how to answer it. */
    private record Held(ChannelHandlerContext ctx, Runnable answer) {}

    /** Writes a large body in 64 KiB pieces, continuing when the channel becomes writable again. */
    private static final class Streamer implements Runnable {
        private static final int PIECE = 64 * 1024;
        private static final byte[] PATTERN = pattern();
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private long left;

        Streamer(ChannelHandlerContext ctx, long total, boolean keepAlive) {
            this.ctx = ctx;
            this.left = total;
            this.keepAlive = keepAlive;
        }

        private static byte[] pattern() {
            final byte[] p = new byte[PIECE];
            for (int i = 0; i < p.length; i++) {
                p[i] = (byte) (i * 31 + 7);
            }
            return p;
        }

        @Override
        public void run() {
            final Channel ch = ctx.channel();
            while (left > 0 && ch.isActive()) {
                if (!ch.isWritable()) {
                    ctx.flush();
                    // Resume later: poll writability on the loop without blocking it.
                    ch.eventLoop().schedule(this, 1, TimeUnit.MILLISECONDS);
                    return;
                }
                final int n = (int) Math.min(PIECE, left);
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(PATTERN, 0, n)));
                left -= n;
            }
            if (ch.isActive()) {
                if (keepAlive) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }
    }

    /** CRC32 of the first {@code total} bytes of the STREAM pattern, for checking a download. */
    public static long streamCrc(long total) {
        final CRC32 crc = new CRC32();
        final byte[] p = Streamer.PATTERN;
        long left = total;
        while (left > 0) {
            final int n = (int) Math.min(p.length, left);
            crc.update(p, 0, n);
            left -= n;
        }
        return crc.getValue();
    }

    private static Map<String, List<String>> copy(HttpHeaders headers) {
        final Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : headers.names()) {
            out.put(name.toLowerCase(Locale.ROOT), List.copyOf(headers.getAll(name)));
        }
        return out;
    }

    private static String headersText(HttpHeaders headers) {
        final StringBuilder sb = new StringBuilder();
        headers.forEach(e -> sb.append(e.getKey().toLowerCase(Locale.ROOT)).append(": ").append(e.getValue())
                .append('\n'));
        return sb.toString();
    }
}
