package dev.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * The downstream HTTP/1.1 codec: Netty's strict request decoder plus the checks Netty leaves out, and a response
 * encoder that knows when a response answers HEAD.
 *
 * <p>Netty 4.2 already rejects (as a failed {@code DecoderResult}) bare-LF line endings, control characters and
 * whitespace in header names, a Transfer-Encoding whose final coding is not chunked, Content-Length together with
 * Transfer-Encoding, and conflicting Content-Length values. It still accepts obsolete line folding (RFC 9112 §5.2),
 * merging the continuation into the previous value. A proxy must not do that silently: a folded header can be read
 * differently by the upstream. This decoder therefore scans each request head for a line that starts with SP or HTAB
 * and fails the connection with {@link ObsoleteLineFoldingException}.
 *
 * <p>It also records when the bytes of the current request head started to arrive, so {@link ProxyHandler} can
 * enforce the request-header timeout (slowloris) without a handler of its own.
 *
 * <p>Threading: event loop only, one instance per connection.
 */
final class Http1ServerCodec extends CombinedChannelDuplexHandler<Http1ServerCodec.RequestDecoder,
        Http1ServerCodec.ResponseEncoder> {

    Http1ServerCodec(int maxRequestLineLength, int maxHeaderSize) {
        final HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLineLength)
                .setMaxHeaderSize(maxHeaderSize)
                // 16 KiB chunks: large enough for few objects per body, small enough for the buffer pool.
                .setMaxChunkSize(16 * 1024)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true);
        init(new RequestDecoder(config), new ResponseEncoder());
    }

    RequestDecoder decoder() {
        return inboundHandler();
    }

    ResponseEncoder encoder() {
        return outboundHandler();
    }

    /** Thrown (and surfaced through {@code exceptionCaught}) when a request head uses obsolete line folding. */
    static final class ObsoleteLineFoldingException extends IllegalArgumentException {
        ObsoleteLineFoldingException() {
            super("obsolete line folding (obs-fold) in request header", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // a client error, not a bug: the stack trace would only cost time
        }
    }

    /**
     * Request decoder with the obs-fold check and head-arrival tracking.
     *
     * <p>Algorithm: a small state machine runs over every byte of a request head exactly once. New bytes are
     * scanned in {@link #channelRead} before Netty decodes them; once a head is complete the scanner idles (body
     * bytes are framed by Netty, not by us) until Netty emits the request's {@link LastHttpContent}, at which point
     * the unread rest of the buffer, which starts with the next pipelined head, is scanned from a fresh state.
     */
    static final class RequestDecoder extends HttpRequestDecoder {
        private static final int HEAD_START = 0;
        private static final int IN_LINE = 1;
        private static final int AFTER_LF = 2;
        private static final int AFTER_LF_CR = 3;
        private static final int BODY = 4;
        private static final int FOLDED = 5;

        private int scanState = HEAD_START;
        /** True between a complete request (LastHttpContent) and the next request head. */
        private boolean awaitingHead = true;
        /** nanoTime when the first byte of the current head arrived; 0 when none has. */
        private long headStartNanos;
        /** nanoTime of the last read of any bytes. */
        private long lastReadNanos = System.nanoTime();

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            lastReadNanos = System.nanoTime();
            if (msg instanceof ByteBuf) {
                final ByteBuf bytes = (ByteBuf) msg;
                if (awaitingHead && headStartNanos == 0 && bytes.isReadable()) {
                    headStartNanos = lastReadNanos;
                }
                if (scanState != BODY && !scan(bytes, bytes.readerIndex(), bytes.writerIndex())) {
                    bytes.release();
                    throw new ObsoleteLineFoldingException();
                }
            }
            super.channelRead(ctx, msg);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            final int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                final Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    awaitingHead = false;
                }
                if (o instanceof LastHttpContent) {
                    awaitingHead = true;
                    headStartNanos = buffer.isReadable() ? lastReadNanos : 0;
                    scanState = HEAD_START;
                    if (!scan(buffer, buffer.readerIndex(), buffer.writerIndex())) {
                        throw new ObsoleteLineFoldingException();
                    }
                }
            }
        }

        /** Advances the head scanner over {@code [from, to)}; false when a folded line was found. */
        private boolean scan(ByteBuf buf, int from, int to) {
            if (from >= to) {
                return true;
            }
            // forEachByte walks the memory once, without the per-byte bounds and liveness checks of getByte().
            final int stoppedAt = buf.forEachByte(from, to - from, scanner);
            return stoppedAt < 0 || scanState != FOLDED;
        }

        /** The scanner state machine; stops (returns false) at the end of the head or at a folded line. */
        private final io.netty.util.ByteProcessor scanner = b -> {
            switch (scanState) {
                case HEAD_START:
                    // RFC 9112 §2.2: empty lines before the request line may be ignored.
                    if (b != '\r' && b != '\n' && b != ' ' && b != '\t') {
                        scanState = IN_LINE;
                    }
                    return true;
                case IN_LINE:
                    if (b == '\n') {
                        scanState = AFTER_LF;
                    }
                    return true;
                case AFTER_LF:
                    if (b == ' ' || b == '\t') {
                        scanState = FOLDED;
                        return false;
                    }
                    scanState = b == '\r' ? AFTER_LF_CR : b == '\n' ? BODY : IN_LINE;
                    return scanState != BODY;
                case AFTER_LF_CR:
                    scanState = b == '\n' ? BODY : IN_LINE;
                    return scanState != BODY;
                default:
                    return false;
            }
        };

        boolean isAwaitingHead() {
            return awaitingHead;
        }

        /** nanoTime when the current, still incomplete, head started to arrive; 0 when no byte has. */
        long headStartNanos() {
            return awaitingHead ? headStartNanos : 0;
        }

        long lastReadNanos() {
            return lastReadNanos;
        }
    }

    /** Response encoder told by {@link ProxyHandler} when the response it writes answers a HEAD request. */
    static final class ResponseEncoder extends HttpResponseEncoder {
        private boolean headResponse;

        void setHeadResponse(boolean headResponse) {
            this.headResponse = headResponse;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            return headResponse || super.isContentAlwaysEmpty(msg);
        }

        @Override
        public boolean acceptOutboundMessage(Object msg) throws Exception {
            return msg instanceof HttpObject && super.acceptOutboundMessage(msg);
        }
    }
}
