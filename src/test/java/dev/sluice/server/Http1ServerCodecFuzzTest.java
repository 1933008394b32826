package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes {@link Http1ServerCodec}'s request decoder on an {@link EmbeddedChannel}: random and mutated request
 * bytes, delivered in random pieces, never throw out of the pipeline or leak a buffer, and the head scanner's
 * verdict does not depend on where the reads split the bytes.
 */
class Http1ServerCodecFuzzTest {
    private static final List<String> SEEDS = List.of(
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n");
    private static final List<String> SPLICES = List.of("\r\n", "\n", "\r", " ", "\t", ":", "\u0000", "\r\n ",
            "\r\n\t", "Transfer-Encoding: chunked\r\n", "Content-Length: 3\r\n", "HTTP/1.1", "ffffffffffffffffff",
            "0\r\n\r\n", ";", "\u00ff");

    @Provide
    Arbitrary<byte[]> mutatedRequests() {
        final Arbitrary<String> seed = Arbitraries.of(SEEDS);
        final Arbitrary<List<int[]>> edits = Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 10_000),
                Arbitraries.integers().between(0, SPLICES.size() - 1))
                .as((op, at, what) -> new int[] {op, at, what}).list().ofMaxSize(6);
        return Combinators.combine(seed, edits).as(Http1ServerCodecFuzzTest::mutate);
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(1, 4096).list().ofMaxSize(12);
    }

    @Property(tries = 3000)
    void decode_mutatedRequestInRandomPieces_neverThrowsOrLeaks(@ForAll("mutatedRequests") final byte[] request,
            @ForAll("cuts") final List<Integer> cuts) {
        feed(request, cuts);
    }

    @Property(tries = 1000)
    void decode_randomBytesInRandomPieces_neverThrowsOrLeaks(@ForAll("randomBytes") final byte[] bytes,
            @ForAll("cuts") final List<Integer> cuts) {
        feed(bytes, cuts);
    }

    @Property(tries = 1000)
    void decode_foldedHeaderAnySplit_fails(@ForAll("cuts") final List<Integer> cuts) {
        final String folded = "GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n";
        final Outcome outcome = feed(folded.getBytes(StandardCharsets.ISO_8859_1), cuts);
        assertThat(outcome.failed()).isTrue();
        assertThat(outcome.requests()).isZero();
    }

    @Property(tries = 1000)
    void decode_foldedHeaderAfterValidRequestAnySplit_failsSecondOnly(@ForAll("cuts") final List<Integer> cuts) {
        final String twice = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\na\n b"
                + "GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n";
        final Outcome outcome = feed(twice.getBytes(StandardCharsets.ISO_8859_1), cuts);
        assertThat(outcome.failed()).isTrue();
        assertThat(outcome.requests()).isLessThanOrEqualTo(1);
    }

    @Property(tries = 1000)
    void decode_bodyWithNewlineSpaceAnySplit_succeeds(@ForAll("cuts") final List<Integer> cuts) {
        final String body = "a\r\n b\n\tc\r\n\r\n d";
        final String request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        final Outcome outcome = feed(request.getBytes(StandardCharsets.ISO_8859_1), cuts);
        assertThat(outcome.failed()).isFalse();
        assertThat(outcome.requests()).isEqualTo(2);
        assertThat(outcome.lasts()).isEqualTo(2);
        assertThat(outcome.bodyBytes()).isEqualTo(2L * body.length());
    }

    /** Writes {@code bytes} split at {@code cuts}; checks nothing escapes and nothing leaks. */
    private static Outcome feed(final byte[] bytes, final List<Integer> cuts) {
        final Recorder recorder = new Recorder();
        final EmbeddedChannel ch = new EmbeddedChannel(new Http1ServerCodec(1024, 2048), recorder);
        final TreeSet<Integer> points = new TreeSet<>();
        cuts.forEach(c -> points.add(c % (bytes.length + 1)));
        points.add(bytes.length);
        int from = 0;
        for (final int to : points) {
            if (to > from) {
                // writeInbound rethrows anything that reached the end of the pipeline; Recorder catches all.
                ch.writeInbound(Unpooled.copiedBuffer(bytes, from, to - from));
                from = to;
            }
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
        for (final Throwable t : recorder.errors) {
            final Throwable cause = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
            assertThat(cause).isInstanceOfAny(IllegalArgumentException.class, DecoderException.class);
        }
        return new Outcome(!recorder.errors.isEmpty() || recorder.decoderFailures > 0, recorder.requests,
                recorder.lasts, recorder.bodyBytes);
    }

    private static byte[] mutate(final String seed, final List<int[]> edits) {
        final StringBuilder sb = new StringBuilder(seed);
        for (final int[] e : edits) {
            final int at = e[1] % (sb.length() + 1);
            switch (e[0]) {
                case 0 -> sb.insert(at, SPLICES.get(e[2]));
                case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + e[2]));
                default -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, SPLICES.get(e[2]).charAt(0));
                    }
                }
            }
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What the decoder produced. */
    private record Outcome(boolean failed, int requests, int lasts, long bodyBytes) {
    }

    /** Stands in for ProxyHandler: takes every message, counts it, releases it, and swallows exceptions. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Throwable> errors = new ArrayList<>();
        int decoderFailures;
        int requests;
        int lasts;
        long bodyBytes;

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
            try {
                if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
                    decoderFailures++;
                } else if (msg instanceof HttpRequest) {
                    requests++;
                }
                if (msg instanceof HttpContent) {
                    final ByteBuf content = ((HttpContent) msg).content();
                    bodyBytes += content.readableBytes();
                }
                if (msg instanceof LastHttpContent) {
                    lasts++;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            errors.add(cause);
        }
    }
}
