package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.common.Ticker;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.health.ActiveCheckSettings.StatusRange;
import dev.sluice.upstream.health.RecordingListener.Change;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ActiveHealthChecker} probing real HTTP servers on loopback ports over real connections, with short
 * intervals. Where a test needs successive probes to meet different failures, a {@link ScriptedResolver} sends
 * probe n to the server the script names, so the outcome of each probe is fixed in advance and the test can tell
 * after which probe a change was reported.
 */
class ActiveHealthCheckerIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private MultiThreadIoEventLoopGroup group;

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void probes_fail500ThenRefusedThenTimeout_unhealthyAtThirdFailureHealthyAtSecondPass() throws Exception {
        final TestUpstream ok = upstream("ok", 200);
        final TestUpstream error = upstream("error", 500);
        final TestUpstream hang = upstream("hang", 200).respondWith(r -> Behavior.of(Action.HANG));
        final int refused = freePort();
        final ScriptedResolver resolver = new ScriptedResolver(n -> switch (n) {
            case 2 -> error.port();
            case 3 -> refused;
            case 4 -> hang.port();
            default -> ok.port();
        });
        final RecordingListener listener = new RecordingListener(resolver::attempts);
        final Endpoint endpoint = new Endpoint("backend.test", 8080, 1);

        checker(settings().build(), endpoint, resolver, listener);
        await().atMost(WAIT).until(() -> resolver.attempts() >= 9);

        // Probes 2, 3 and 4 fail; 5 and 6 pass; 7 to 9 pass and change nothing.
        assertThat(listener.changes()).containsExactly(
                new Change(endpoint, false, "3 failed probes: timed out after 200ms", 4),
                new Change(endpoint, true, "2 passed probes", 6));
        assertThat(error.requests()).isEqualTo(1);
        assertThat(hang.requests()).isEqualTo(1);
    }

    @Test
    void probes_connectionRefused_reasonSaysSo() throws Exception {
        final int refused = freePort();
        final ScriptedResolver resolver = new ScriptedResolver(n -> refused);
        final RecordingListener listener = new RecordingListener(resolver::attempts);
        final Endpoint endpoint = new Endpoint("backend.test", 8080, 1);

        checker(settings().build(), endpoint, resolver, listener);
        await().atMost(WAIT).until(() -> resolver.attempts() >= 5);

        assertThat(listener.changes()).containsExactly(
                new Change(endpoint, false, "3 failed probes: connection refused", 3));
        assertThat(endpoint.health().isHealthy(Ticker.system().nanoTime())).isFalse();
    }

    @Test
    void probes_expectedStatusesConfigured_onlyThoseStatusesPass() throws Exception {
        final TestUpstream teapot = upstream("teapot", 418);
        final TestUpstream ok = upstream("ok", 200);
        final ScriptedResolver resolver = new ScriptedResolver(n -> n >= 4 && n <= 6 ? ok.port() : teapot.port());
        final RecordingListener listener = new RecordingListener(resolver::attempts);
        final Endpoint endpoint = new Endpoint("backend.test", 8080, 1);

        checker(settings().expectedStatuses(List.of(StatusRange.of(418))).build(), endpoint, resolver, listener);
        await().atMost(WAIT).until(() -> resolver.attempts() >= 10);

        assertThat(listener.changes()).containsExactly(
                new Change(endpoint, false, "3 failed probes: status 200", 6),
                new Change(endpoint, true, "2 passed probes", 8));
    }

    @Test
    void probe_pathAndHostConfigured_sendsThemWithCloseAndUserAgent() throws Exception {
        final TestUpstream upstream = upstream("up", 200);
        final Endpoint endpoint = new Endpoint("127.0.0.1", upstream.port(), 1);

        checker(settings().path("/healthz?deep=1").host("api.internal").build(), endpoint,
                DefaultAddressResolverGroup.INSTANCE, HealthListener.NONE);
        await().atMost(WAIT).until(() -> upstream.requests() >= 1);

        final TestUpstream.Received probe = upstream.received().get(0);
        assertThat(probe.method()).isEqualTo("GET");
        assertThat(probe.uri()).isEqualTo("/healthz?deep=1");
        assertThat(probe.header("host")).isEqualTo("api.internal");
        assertThat(probe.header("connection")).isEqualTo("close");
        assertThat(probe.header("user-agent")).isEqualTo("sluice-health-check");
    }

    @Test
    void probe_noHostConfigured_sendsEndpointHostAndPort() throws Exception {
        final TestUpstream upstream = upstream("up", 200);
        final Endpoint endpoint = new Endpoint("127.0.0.1", upstream.port(), 1);

        checker(settings().build(), endpoint, DefaultAddressResolverGroup.INSTANCE, HealthListener.NONE);
        await().atMost(WAIT).until(() -> upstream.requests() >= 1);

        assertThat(upstream.received().get(0).header("host")).isEqualTo("127.0.0.1:" + upstream.port());
        assertThat(upstream.received().get(0).uri()).isEqualTo("/");
    }

    @Test
    void probes_largeStreamedBody_passOnHeadAndDiscardBody() throws Exception {
        final TestUpstream upstream = upstream("big", 200).respondWith(r -> Behavior.stream(4 * 1024 * 1024));
        final Endpoint endpoint = new Endpoint("127.0.0.1", upstream.port(), 1);
        endpoint.health().setActiveHealthy(endpoint, false, "failed before a reload", 0, HealthListener.NONE);
        final RecordingListener listener = new RecordingListener();

        checker(settings().timeout(Duration.ofSeconds(1)).build(), endpoint, DefaultAddressResolverGroup.INSTANCE,
                listener);
        await().atMost(WAIT).until(() -> !listener.changes().isEmpty());

        assertThat(listener.changes()).containsExactly(new Change(endpoint, true, "2 passed probes", 0));
    }

    @Test
    void close_whileProbing_noFurtherProbes() throws Exception {
        final TestUpstream upstream = upstream("up", 200);
        final Endpoint endpoint = new Endpoint("127.0.0.1", upstream.port(), 1);
        final ActiveHealthChecker checker = checker(settings().build(), endpoint,
                DefaultAddressResolverGroup.INSTANCE, HealthListener.NONE);
        await().atMost(WAIT).until(() -> upstream.requests() >= 2);

        checker.close();
        final int atClose = upstream.requests();

        // One probe may have been on the wire when close() ran; at 50 ms intervals, 300 ms would show 5 more.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> upstream.requests() <= atClose + 1);
    }

    private static ActiveCheckSettings.Builder settings() {
        return ActiveCheckSettings.builder().interval(Duration.ofMillis(50)).timeout(TIMEOUT);
    }

    private ActiveHealthChecker checker(ActiveCheckSettings settings, Endpoint endpoint,
            AddressResolverGroup<? extends SocketAddress> resolver, HealthListener listener) {
        final ActiveHealthChecker checker = new ActiveHealthChecker(settings, List.of(endpoint), group,
                NioSocketChannel.class, resolver, Ticker.system(), new Random(), listener);
        resources.push(checker);
        return checker;
    }

    private TestUpstream upstream(String name, int status) throws InterruptedException {
        final TestUpstream upstream = TestUpstream.start(name).respondWith(r -> Behavior.respond(status, name));
        resources.push(upstream);
        return upstream;
    }

    /** A loopback port nobody listens on (it was free a moment ago), to be refused. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
