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
 * Transfer-Encoding, and conflicting Content-Length values. It is lenient where a proxy must not be, because a
 * lenient parse can be read differently by the upstream (request smuggling). This decoder therefore runs its own
 * small scanner over the raw bytes of every request head and fails the connection with a
 * {@link MalformedHeadException} on:
 * <ul>
 *   <li>obsolete line folding, a header line starting with SP or HTAB (RFC 9112 §5.2; Netty merges it);
 *   <li>a request line that is not exactly {@code method SP target SP HTTP/1.x CRLF} (RFC 9112 §3): Netty
 *       accepts runs of whitespace, leading whitespace, a missing version (HTTP/0.9) and any version text;
 *   <li>HTAB in the value of Transfer-Encoding or Content-Length: valid OWS (RFC 9110 §5.6.3), but a known
 *       obfuscation that nginx rejects too; framing headers get no latitude.
 * </ul>
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

    /** Thrown (and surfaced through {@code exceptionCaught}) when the raw bytes of a request head are malformed. */
    static final class MalformedHeadException extends IllegalArgumentException {
        static final String OBS_FOLD = "obsolete line folding (obs-fold) in request header";
        static final String REQUEST_LINE = "malformed request line";
        static final String VERSION = "unsupported HTTP version (expected: HTTP/1.0 or HTTP/1.1)";
        static final String FRAMING_TAB = "HTAB in a Transfer-Encoding or Content-Length value";

        MalformedHeadException(String message) {
            super(message, null);
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
        private static final int METHOD = 5;
        private static final int TARGET_START = 6;
        private static final int TARGET = 7;
        private static final int VERSION = 8;
        private static final int HEADER_NAME = 9;
        private static final int FRAMING_VALUE = 10;
        private static final byte[] HTTP_1 = {'H', 'T', 'T', 'P', '/', '1', '.'};
        private static final byte[] TRANSFER_ENCODING = {'t', 'r', 'a', 'n', 's', 'f', 'e', 'r', '-', 'e', 'n',
            'c', 'o', 'd', 'i', 'n', 'g'};
        private static final byte[] CONTENT_LENGTH = {'c', 'o', 'n', 't', 'e', 'n', 't', '-', 'l', 'e', 'n', 'g', 't',
            'h'};

        private int scanState = HEAD_START;
        /** VERSION: bytes of the version seen; HEADER_NAME: bytes of the name seen. */
        private int scanIndex;
        /** HEADER_NAME: the name read so far is a prefix of Transfer-Encoding / Content-Length. */
        private boolean maybeTe;
        private boolean maybeCl;
        /** The problem the last scan found, or {@code null}. */
        private String scanProblem;
        private final io.netty.util.ByteProcessor scanner = this::step;
        /** Set once a head was rejected: later bytes are dropped unparsed. */
        private boolean failed;
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
                if (failed) {
                    // The head was already rejected and the connection is closing: nothing more is parsed.
                    bytes.release();
                    return;
                }
                if (awaitingHead && headStartNanos == 0 && bytes.isReadable()) {
                    headStartNanos = lastReadNanos;
                }
                final String problem = scanState == BODY ? null : scan(bytes, bytes.readerIndex(), bytes.writerIndex());
                if (problem != null) {
                    failed = true;
                    bytes.release();
                    throw new MalformedHeadException(problem);
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
                    final String problem = scan(buffer, buffer.readerIndex(), buffer.writerIndex());
                    if (problem != null) {
                        failed = true;
                        buffer.skipBytes(buffer.readableBytes());
                        throw new MalformedHeadException(problem);
                    }
                }
            }
        }

        /**
         * Advances the head scanner over {@code [from, to)}; returns what is wrong, or {@code null}. The state lives
         * in fields, so any split of a head across reads gives the same verdict as one read.
         */
        private String scan(ByteBuf buf, int from, int to) {
            if (from >= to || scanState == BODY) {
                return null;
            }
            scanProblem = null;
            // forEachByte walks the memory once, without getByte()'s per-byte bounds and liveness checks.
            buf.forEachByte(from, to - from, scanner);
            return scanProblem;
        }

        /** Advances the state machine by one byte; false stops the walk (end of head or a problem). */
        private boolean step(byte b) {
            int state = scanState;
            int index = scanIndex;
            String problem = null;
            switch (state) {
                case HEAD_START:
                    // RFC 9112 §2.2: empty lines before the request line may be ignored, nothing else may.
                    if (b != '\r' && b != '\n') {
                        state = isTchar(b) ? METHOD : -1;
                    }
                    break;
                case METHOD:
                    state = b == ' ' ? TARGET_START : isTchar(b) ? METHOD : -1;
                    break;
                case TARGET_START:
                    // A second SP, or CR/LF (an HTTP/0.9 request line without a version).
                    state = b == ' ' || b == '\r' || b == '\n' ? -1 : TARGET;
                    break;
                case TARGET:
                    if (b == ' ') {
                        state = VERSION;
                        index = 0;
                    } else if (b == '\r' || b == '\n' || b == '\t') {
                        state = -1;
                    }
                    break;
                case VERSION:
                    if (index < HTTP_1.length) {
                        problem = b == HTTP_1[index] ? null : MalformedHeadException.VERSION;
                    } else if (index == HTTP_1.length) {
                        problem = b == '0' || b == '1' ? null : MalformedHeadException.VERSION;
                    } else if (b == '\r') {
                        state = IN_LINE; // Netty's strict line parsing checks the LF that must follow
                    } else {
                        problem = b == ' ' ? MalformedHeadException.REQUEST_LINE : MalformedHeadException.VERSION;
                    }
                    index++;
                    break;
                case IN_LINE:
                    if (b == '\n') {
                        state = AFTER_LF;
                    }
                    break;
                case AFTER_LF:
                    if (b == ' ' || b == '\t') {
                        problem = MalformedHeadException.OBS_FOLD;
                    } else if (b == '\r') {
                        state = AFTER_LF_CR;
                    } else if (b == '\n') {
                        state = BODY;
                    } else {
                        maybeTe = true;
                        maybeCl = true;
                        index = 0;
                        state = headerName(b, index++);
                    }
                    break;
                case HEADER_NAME:
                    state = b == '\n' ? AFTER_LF : headerName(b, index++);
                    break;
                case FRAMING_VALUE:
                    if (b == '\t') {
                        problem = MalformedHeadException.FRAMING_TAB;
                    } else if (b == '\n') {
                        state = AFTER_LF;
                    }
                    break;
                default: // AFTER_LF_CR
                    state = b == '\n' ? BODY : IN_LINE;
                    break;
            }
            if (state < 0) {
                problem = MalformedHeadException.REQUEST_LINE;
            }
            scanState = state;
            scanIndex = index;
            scanProblem = problem;
            return problem == null && state != BODY;
        }

        /** Next state after byte {@code b} at position {@code at} of a header name. */
        private int headerName(byte b, int at) {
            if (b == ':') {
                final boolean framing = maybeTe && at == TRANSFER_ENCODING.length
                        || maybeCl && at == CONTENT_LENGTH.length;
                return framing ? FRAMING_VALUE : IN_LINE;
            }
            final int lower = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
            maybeTe &= at < TRANSFER_ENCODING.length && lower == TRANSFER_ENCODING[at];
            maybeCl &= at < CONTENT_LENGTH.length && lower == CONTENT_LENGTH[at];
            return HEADER_NAME;
        }

        /** RFC 9110 §5.6.2 tchar. */
        private static boolean isTchar(byte b) {
            return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || b == '!' || b == '#' || b == '$' || b == '%' || b == '&' || b == '\'' || b == '*'
                    || b == '+' || b == '-' || b == '.' || b == '^' || b == '_' || b == '`' || b == '|' || b == '~';
        }

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
