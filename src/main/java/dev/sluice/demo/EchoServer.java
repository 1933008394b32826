package dev.sluice.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP server for demos and quick checks ({@code sluice echo --port 9001}): it answers every request
 * with a JSON description of what it received, or streams a request body back to the sender.
 *
 * <ul>
 *   <li>A request without a body gets {@code {"server":…,"method":…,"uri":…,"headers":{…}}}.</li>
 *   <li>A request with a body gets the same bytes back, streamed, with its Content-Type.</li>
 *   <li>{@code ?status=503} sets the status; {@code ?delay=200} waits that many milliseconds first.</li>
 * </ul>
 */
public final class EchoServer implements AutoCloseable {
    private final Channel channel;
    private final String name;

    private EchoServer(Channel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    /** Starts an echo server on {@code address} using {@code group}. */
    public static EchoServer start(EventLoopGroup group, Class<? extends io.netty.channel.ServerChannel> type,
            InetSocketAddress address, String name) throws InterruptedException {
        final Channel ch = new ServerBootstrap()
                .group(group)
                .channel(type)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(), new EchoHandler(name));
                    }
                })
                .bind(address).sync().channel();
        return new EchoServer(ch, name);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** Per-connection handler: describes bodiless requests, mirrors bodies. */
    private static final class EchoHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final String name;
        private HttpRequest request;
        private boolean streaming;

        EchoHandler(String name) {
            this.name = name;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest) {
                request = (HttpRequest) msg;
                streaming = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
                if (streaming) {
                    final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(request));
                    final String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
                    head.headers().set(HttpHeaderNames.CONTENT_TYPE,
                            type != null ? type : HttpHeaderValues.APPLICATION_OCTET_STREAM);
                    if (HttpUtil.isTransferEncodingChunked(request)) {
                        HttpUtil.setTransferEncodingChunked(head, true);
                    } else {
                        HttpUtil.setContentLength(head, HttpUtil.getContentLength(request, 0L));
                    }
                    head.headers().set("x-echo-server", name);
                    ctx.write(head);
                }
            }
            if (msg instanceof HttpContent) {
                final HttpContent content = (HttpContent) msg;
                if (streaming) {
                    ctx.writeAndFlush(content.retain());
                } else if (content instanceof LastHttpContent) {
                    respond(ctx);
                }
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            final HttpRequest req = request;
            final long delayMs = param(req, "delay", 0);
            final Runnable send = () -> {
                final ByteBuf body = Unpooled.copiedBuffer(describe(req), StandardCharsets.UTF_8);
                final FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(req), body);
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                resp.headers().set("x-echo-server", name);
                if (HttpUtil.isKeepAlive(req)) {
                    ctx.writeAndFlush(resp);
                } else {
                    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                }
            };
            if (delayMs > 0) {
                ctx.executor().schedule(send, delayMs, TimeUnit.MILLISECONDS);
            } else {
                send.run();
            }
        }

        private static HttpResponseStatus status(HttpRequest req) {
            return HttpResponseStatus.valueOf((int) param(req, "status", 200));
        }

        private static long param(HttpRequest req, String name, long fallback) {
            final List<String> v = new QueryStringDecoder(req.uri()).parameters().get(name);
            try {
                return v == null || v.isEmpty() ? fallback : Long.parseLong(v.get(0));
            } catch (NumberFormatException e) {
                return fallback;
            }
        }

        private String describe(HttpRequest req) {
            final StringBuilder sb = new StringBuilder(256);
            sb.append("{\"server\":").append(quote(name))
                    .append(",\"method\":").append(quote(req.method().name()))
                    .append(",\"uri\":").append(quote(req.uri()))
                    .append(",\"headers\":{");
            boolean first = true;
            for (Map.Entry<String, String> h : req.headers()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(quote(h.getKey().toLowerCase(java.util.Locale.ROOT))).append(':').append(quote(h.getValue()));
            }
            return sb.append("}}\n").toString();
        }

        private static String quote(String s) {
            final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                final char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
